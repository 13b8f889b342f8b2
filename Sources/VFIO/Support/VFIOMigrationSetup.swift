/// The migration settings that decide whether VFIO device state may travel over multifd
/// channels, as snapshotted at save/load setup.
public struct VFIOMigrationSetup: Equatable, Sendable {
    /// Capability `multifd`.
    public var multifd: Bool
    /// Capability `mapped-ram`.
    public var mappedRAM: Bool
    /// Parameter `multifd-compression` (`none`, `zlib`, `zstd`, …).
    public var multifdCompression: String
    /// Migration property `send-switchover-start`.
    public var sendSwitchoverStart: Bool
    /// Capability `switchover-ack`.
    public var switchoverAck: Bool
    /// Whether the simulated target is ARM (decides `x-migration-load-config-after-iter=auto`).
    public var targetIsARM: Bool

    /// Creates a snapshot; defaults are QEMU's (no multifd, compression none, switchover-start sent).
    public init(
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
    public var multifdTransferSupported: Bool {
        VFIOMultiFDSupport.isSupported(
            multifd: multifd, mappedRAM: mappedRAM, multifdCompression: multifdCompression,
            sendSwitchoverStart: sendSwitchoverStart)
    }
}
