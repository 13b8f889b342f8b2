import JSON

extension QAPISchema {
    /// The SchemaInfo list for `query-qmp-schema`: the commands in `implementedCommands` (schema entries
    /// without a handler are left out), all events, and every type they use, in QEMU's format.
    package func introspection(implementedCommands: Set<String>) -> JSONValue {
        var builder = IntrospectionBuilder(table: table)
        return builder.build(commands: commands.filter { implementedCommands.contains($0.name) }, events: events)
    }

    /// The content of `docs/qmp-reference.md`.
    package func markdownReference() -> String {
        MarkdownReference(items: items).render()
    }

    /// JSON Schemas (draft 2020-12), one per command's arguments and one per event's data:
    /// `{"commands": {NAME: schema, ...}, "events": {NAME: schema, ...}}`, in schema order.
    package func jsonSchemas() -> JSONValue {
        let exporter = JSONSchemaExporter(table: table)
        var commandSchemas: JSONObject = [:]
        for command in commands {
            commandSchemas[command.name] = exporter.document(
                root: command.argumentType, title: "Arguments of the QMP command '\(command.name)'",
                description: command.doc)
        }
        var eventSchemas: JSONObject = [:]
        for event in events {
            eventSchemas[event.name] = exporter.document(
                root: event.dataType, title: "Data of the QMP event '\(event.name)'", description: event.doc)
        }
        return ["commands": .object(commandSchemas), "events": .object(eventSchemas)]
    }
}
