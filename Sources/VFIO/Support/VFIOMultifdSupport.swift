/// The migration settings that decide whether VFIO device state may travel over multifd
/// channels (reference §4), as snapshotted at save/load setup.
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
        VFIOMultifdSupport.isSupported(
            multifd: multifd, mappedRAM: mappedRAM, multifdCompression: multifdCompression,
            sendSwitchoverStart: sendSwitchoverStart)
    }
}

/// The support rule and setup-time resolution of `x-migration-multifd-transfer`.
public enum VFIOMultifdSupport {
    /// Whether device state transfer over multifd is possible in this configuration.
    public static func isSupported(
        multifd: Bool, mappedRAM: Bool, multifdCompression: String, sendSwitchoverStart: Bool
    ) -> Bool {
        multifd && !mappedRAM && multifdCompression == "none" && sendSwitchoverStart
    }

    /// `vfio_multifd_setup()`'s decision: AUTO → supported; ON → on, but an error when
    /// unsupported; OFF → the main channel.
    public static func resolve(_ property: OnOffAuto, setup: VFIOMigrationSetup, deviceName: String) throws -> Bool {
        let supported = setup.multifdTransferSupported
        let enabled = property == .auto ? supported : property == .on
        guard !enabled || supported else {
            throw VFIOError("\(deviceName): Multifd device transfer requested but unsupported in the current config")
        }
        return enabled
    }

    /// The effective `x-migration-load-config-after-iter`: AUTO means on for ARM targets only.
    public static func resolveLoadConfigAfterIter(_ property: OnOffAuto, setup: VFIOMigrationSetup) -> Bool {
        property == .auto ? setup.targetIsARM : property == .on
    }
}
