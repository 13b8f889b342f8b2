/// Routes received device-state packets to the handler registered for their idstr/instance
/// (QEMU's `qemu_loadvm_load_state_buffer`), with QEMU's receiver error texts.
struct DeviceStateRegistry: Sendable {
    private let handlers: [String: any SaveStateHandler]

    init(handlers: [any SaveStateHandler]) {
        var table: [String: any SaveStateHandler] = [:]
        for handler in handlers {
            table[DeviceStateRegistry.key(handler.idstr, handler.instanceID)] = handler
        }
        self.handlers = table
    }

    private static func key(_ idstr: String, _ instanceID: UInt32) -> String {
        "\(idstr)\u{0}\(instanceID)"
    }

    /// The handler that takes packets for `idstr`/`instanceID`, or QEMU's error.
    func handler(idstr: String, instanceID: UInt32) throws -> any SaveStateHandler {
        guard let handler = handlers[DeviceStateRegistry.key(idstr, instanceID)] else {
            throw MigrationError("Unknown idstr \(idstr) or instance id \(instanceID) for load state buffer")
        }
        guard handler.hasLoadStateBuffer else {
            throw MigrationError("idstr \(idstr) / instance \(instanceID) has no load state buffer operation")
        }
        return handler
    }
}
