/// What a handler may need to know about the migration it takes part in, snapshotted when the migration starts:
/// the capabilities and parameters in force, and the engine's fixed properties (QEMU's `MigrationState`
/// properties such as `send-switchover-start`). Devices decide their transfer mode from it at setup.
package struct MigrationSetupInfo: Sendable, Equatable {
    /// Capabilities of this migration (equal on both ends; the destination checks the ones that must match).
    package var capabilities: MigrationCapabilities
    /// Parameters of this migration as taken at `migrate` (source) or when the stream arrived (destination).
    package var parameters: MigrationParameters
    /// The `send-switchover-start` property: whether `MIG_CMD_SWITCHOVER_START` is sent (always true in vmig,
    /// which models QEMU 10 machine types).
    package var sendSwitchoverStart: Bool

    /// A snapshot; `sendSwitchoverStart` defaults to vmig's fixed value.
    package init(capabilities: MigrationCapabilities = MigrationCapabilities(),
                parameters: MigrationParameters = MigrationParameters(), sendSwitchoverStart: Bool = true) {
        self.capabilities = capabilities
        self.parameters = parameters
        self.sendSwitchoverStart = sendSwitchoverStart
    }

    /// Capability `multifd`.
    package var multifd: Bool { capabilities[.multifd] }
    /// Capability `mapped-ram`.
    package var mappedRAM: Bool { capabilities[.mappedRAM] }
    /// Capability `switchover-ack`.
    package var switchoverAck: Bool { capabilities[.switchoverAck] }
    /// Parameter `multifd-compression`, by its QAPI name (`none`, `zlib`, …).
    package var multifdCompression: String { parameters.multifdCompression.name }
}
