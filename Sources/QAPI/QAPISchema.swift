import JSON

/// The QMP schema: every command, event and type declared in `schema/*.json`, resolved once and then
/// used to validate arguments, answer `query-qmp-schema`, and generate the reference and JSON Schemas.
///
/// Loading is the expensive part; validation afterwards is one dictionary lookup for the command plus a
/// walk over the arguments.
package final class QAPISchema: Sendable {
    /// The files' items (definitions and section headings) in load order.
    let items: [SchemaItem]
    /// Every resolved type.
    let table: TypeTable
    /// All commands in schema order.
    package let commands: [QAPICommand]
    /// All events in schema order.
    package let events: [QAPIEvent]
    private let commandsByName: [String: QAPICommand]
    private let eventsByName: [String: QAPIEvent]

    /// Parses and resolves schema files, in the order given (the embedded schema and `qapi-gen` load
    /// `schema/*.json` sorted by name).
    ///
    /// Errors name the file and entry, e.g. `migration.json: command 'migrate': member 'uri': unknown type 'Foo'`.
    package init(files: [(name: String, text: String)]) throws(QAPISchemaError) {
        var items: [SchemaItem] = []
        for file in files {
            items += try SchemaFileParser(file: file.name).parse(file.text)
        }
        var resolver = SchemaResolver()
        try resolver.resolve(items.compactMap(\.definition))
        self.items = items
        self.table = resolver.table
        self.commands = resolver.commands
        self.events = resolver.events
        self.commandsByName = Dictionary(uniqueKeysWithValues: resolver.commands.map { ($0.name, $0) })
        self.eventsByName = Dictionary(uniqueKeysWithValues: resolver.events.map { ($0.name, $0) })
    }

    /// The names of all commands, in schema order.
    package var commandNames: [String] { commands.map(\.name) }

    /// The names of all events, in schema order.
    package var eventNames: [String] { events.map(\.name) }

    /// The command called `name`, or nil when the schema has none.
    package func command(_ name: String) -> QAPICommand? { commandsByName[name] }

    /// The event called `name`, or nil when the schema has none.
    package func event(_ name: String) -> QAPIEvent? { eventsByName[name] }

    /// Checks a command's arguments against its `data` and returns them unchanged (absent arguments are
    /// `{}`). Call this before anything else happens; the texts are QEMU's (`Parameter 'uri' is missing`).
    ///
    /// An unknown command throws `The command NAME has not been found`; a server checks ``command(_:)``
    /// first, because QEMU reports that case with the class `CommandNotFound`.
    @discardableResult
    package func validateArguments(command name: String, arguments: JSONObject?) throws(QAPIValidationError)
        -> JSONObject
    {
        guard let command = commandsByName[name] else {
            throw QAPIValidationError(message: "The command \(name) has not been found")
        }
        let members = arguments ?? [:]
        try validateObject(members, as: command.argumentType)
        return members
    }

    /// Checks an event's `data` (use `{}` for events without data).
    package func validateEventData(event name: String, data: JSONObject) throws(QAPIValidationError) {
        guard let event = eventsByName[name] else {
            throw QAPIValidationError(message: "The event \(name) is not in the schema")
        }
        try validateObject(data, as: event.dataType)
    }

    /// Checks a command's reply value (`{}` for commands without `returns`) against its return type.
    package func validateReturnValue(command name: String, value: JSONValue) throws(QAPIValidationError) {
        guard let command = commandsByName[name] else {
            throw QAPIValidationError(message: "The command \(name) has not been found")
        }
        var path = ValuePath()
        try ValueValidator(table: table).validate(value, as: command.returnType, at: &path)
    }

    private func validateObject(_ object: JSONObject, as type: Int) throws(QAPIValidationError) {
        guard let objectType = table.object(type) else { return }
        var path = ValuePath()
        try ValueValidator(table: table).checkObject(object, objectType, at: &path)
    }
}

extension SchemaItem {
    /// The definition, or nil for a section heading.
    var definition: Definition? {
        if case .definition(let definition) = self { return definition }
        return nil
    }
}
