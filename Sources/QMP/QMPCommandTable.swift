import JSON

/// The implemented commands, looked up by name. Immutable once the server starts.
package struct QMPCommandTable: Sendable {
    private var commands: [String: QMPCommand] = [:]
    /// Command names in registration order.
    package private(set) var names: [String] = []

    /// An empty table.
    package init() {}

    /// Adds `command`; a second command with the same name is a programming error.
    package mutating func register(_ command: QMPCommand) {
        precondition(commands[command.name] == nil, "command \(command.name) registered twice")
        commands[command.name] = command
        names.append(command.name)
    }

    /// Adds every command in `list`.
    package mutating func register(_ list: [QMPCommand]) {
        for command in list { register(command) }
    }

    package subscript(name: String) -> QMPCommand? { commands[name] }
}
