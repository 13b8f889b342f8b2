/// A schema file that cannot be loaded: bad JSON, an unknown key or type, a clash between definitions.
///
/// The description names the file and the entry, e.g.
/// `migration.json: command 'migrate': member 'uri': unknown type 'Foo'`.
package struct QAPISchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The schema file's name, e.g. `migration.json`.
    package let file: String
    /// The entry, e.g. `command 'migrate'` or `entry #3`; nil when the problem is with the whole file.
    package let entry: String?
    /// What is wrong.
    package let message: String

    /// Describes a problem in `file`, optionally in one of its entries.
    package init(file: String, entry: String?, message: String) {
        self.file = file
        self.entry = entry
        self.message = message
    }

    package var description: String {
        guard let entry else { return "\(file): \(message)" }
        return "\(file): \(entry): \(message)"
    }
}
