/// An error of the migration engine, carrying the human-readable text that QMP reports as `error-desc` or as a
/// command's `GenericError` description.
///
/// Texts follow QEMU's wording wherever QEMU has one (see docs/migration-engine.md).
public struct MigrationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The complete message, ready to be shown to a QMP client.
    package let message: String

    /// Creates an error with the given message.
    package init(_ message: String) {
        self.message = message
    }

    /// The message itself.
    public var description: String { message }

    /// Wraps any error into a `MigrationError`, keeping the message of one that already is.
    static func wrap(_ error: any Error) -> MigrationError {
        if let migrationError = error as? MigrationError {
            return migrationError
        }
        return MigrationError(String(describing: error))
    }
}
