/// The migration settings that decide whether VFIO device state may travel over multifd
/// channels, as snapshotted at save/load setup.
package struct VFIOMigrationSetup: Equatable, Sendable {
    /// Capability `multifd`.
    package var multifd: Bool
    /// Capability `mapped-ram`.
    package var mappedRAM: Bool
    /// Parameter `multifd-compression` (`none`, `zlib`, `zstd`, …).
    package var multifdCompression: String
    /// Migration property `send-switchover-start`.
    package var sendSwitchoverStart: Bool
    /// Capability `switchover-ack`.
    package var switchoverAck: Bool
    /// Whether the simulated target is ARM (decides `x-migration-load-config-after-iter=auto`).
    package var targetIsARM: Bool

    /// Creates a snapshot; defaults are QEMU's (no multifd, compression none, switchover-start sent).
    package init(
        multifd: Bool = false, mappedRAM: Bool = false, multifdCompression: String = "none",
        sendSwitchoverStart: Bool = true, switchoverAck: Bool = false, targetIsARM: Bool = false
    ) {
        self.multifd = multifd
        self.mappedRAM = mappedRAM
        self.multifdCompression = multifdCompression
        self.sendSwitchoverStart = sendSwitchoverStart
        self.switchoverAck = switchoverAck
        self.targetIsARM = targetIsARM
    }

    /// `vfio_multifd_transfer_supported()`: multifd on, mapped-ram off, compression none and
    /// switchover-start sent.
    package var multifdTransferSupported: Bool {
        VFIOMultiFDSupport.isSupported(
            multifd: multifd, mappedRAM: mappedRAM, multifdCompression: multifdCompression,
            sendSwitchoverStart: sendSwitchoverStart)
    }
}
