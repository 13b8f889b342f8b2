/// A type as the schema writes it: a name (`"str"`, `"MigrationInfo"`) or a one-element array (`["str"]`).
enum TypeExpression: Sendable, Hashable, CustomStringConvertible {
    case named(String)
    case array(of: String)

    /// The name of the named type, or of the array's element type.
    var baseName: String {
        switch self {
        case .named(let name), .array(of: let name): return name
        }
    }

    /// `str` or `[str]`, as introspection and the docs spell it.
    var description: String {
        switch self {
        case .named(let name): return name
        case .array(of: let name): return "[\(name)]"
        }
    }
}
