/// One entry of a schema file after parsing, before names are resolved to types.
struct Definition: Sendable {
    /// Where a command's arguments, an event's data or a union's base come from.
    enum Data: Sendable {
        /// Members written inline: `"data": {"uri": "str"}`.
        case members([QAPIMember])
        /// A struct named by the entry: `"data": "MigrateSetParameters"`.
        case named(String)
    }

    /// What a `command` entry declares besides the common keys.
    struct Command: Sendable {
        var data: Data?
        var returns: TypeExpression?
        var allowOOB: Bool
        /// `"gen": false`: members beyond the declared ones are passed to the handler unchecked.
        var allowsExtraArguments: Bool
    }

    /// What a `union` entry declares besides the common keys.
    struct Union: Sendable {
        var base: Data
        var discriminator: String
        /// Enum value of the discriminator → branch type, in schema order.
        var branches: [QAPIMember]
    }

    /// The kind-specific part of the entry.
    enum Body: Sendable {
        case command(Command)
        case event(data: Data?)
        case structure(base: String?, members: [QAPIMember])
        case enumeration([QAPIEnumValue])
        case alternate([QAPIMember])
        case union(Union)
    }

    let name: String
    let file: String
    let since: String
    let doc: String
    let features: [String]
    let examples: [String]
    let body: Body

    /// The entry's meta key: `command`, `event`, `struct`, `enum`, `alternate` or `union`.
    var kind: String {
        switch body {
        case .command: return "command"
        case .event: return "event"
        case .structure: return "struct"
        case .enumeration: return "enum"
        case .alternate: return "alternate"
        case .union: return "union"
        }
    }

    /// How error messages name the entry: `command 'migrate'`.
    var location: String { "\(kind) '\(name)'" }

    /// Whether the entry defines a type (as opposed to a command or an event).
    var isType: Bool {
        switch body {
        case .command, .event: return false
        default: return true
        }
    }

    /// An error about this entry.
    func error(_ message: String) -> QAPISchemaError {
        QAPISchemaError(file: file, entry: location, message: message)
    }
}
