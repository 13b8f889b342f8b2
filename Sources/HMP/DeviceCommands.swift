import JSON

/// `device_add` and `device_del`.
enum DeviceCommands {
    static func add(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        _ = try context.qmp("device_add", try DeviceOptionsParser.arguments(arguments.string("device") ?? ""))
    }

    static func delete(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        _ = try context.qmp("device_del", ["id": .string(arguments.requiredString("id"))])
    }
}
