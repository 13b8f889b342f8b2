import JSON

/// `qom-list`, `qom-get`, `qom-set`.
enum QOMCommands {
    /// `NAME (TYPE)` per property; `/` without a path (QEMU's `hmp_qom_list`).
    static func list(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        guard let path = arguments.string("path") else {
            context.line("/")
            return
        }
        for property in try context.qmp("qom-list", ["path": .string(path)]).arrayValue ?? [] {
            context.line("\(property.text("name")) (\(property.text("type")))")
        }
    }

    /// The value as pretty JSON (QEMU's `hmp_qom_get`).
    static func get(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let value = try context.qmp(
            "qom-get",
            ["path": .string(arguments.requiredString("path")), "property": .string(arguments.requiredString("property"))])
        context.line(MonitorJSONFormatter.pretty(value))
    }

    /// `qom-set [-j] PATH PROPERTY VALUE`: with `-j` the value is JSON; otherwise it is text read by the
    /// property's type, which `qom-list` reports (booleans take on/off, sizes take suffixes).
    static func set(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let path = arguments.requiredString("path")
        let property = arguments.requiredString("property")
        let text = arguments.requiredString("value")
        let value: JSONValue
        if arguments.bool("json") {
            value = try parseJSON(text)
        } else {
            let properties = try context.qmp("qom-list", ["path": .string(path)]).arrayValue ?? []
            let type = properties.first { $0.text("name") == property }?.text("type") ?? "str"
            value = try QOMValueParser.value(of: text, type: type, property: property)
        }
        _ = try context.qmp("qom-set", ["path": .string(path), "property": .string(property), "value": value])
    }

    private static func parseJSON(_ text: String) throws -> JSONValue {
        var decoder = JSONStreamDecoder()
        decoder.feed(Array(text.utf8))
        decoder.finish()
        let items = decoder.drain()
        switch items.first {
        case .value(let value) where items.count == 1: return value
        case .error(let error): throw HMPError(error.description)
        default: throw HMPError("JSON parse error, expecting value")
        }
    }
}
