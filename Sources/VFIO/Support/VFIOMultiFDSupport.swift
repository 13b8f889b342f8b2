/// The support rule and setup-time resolution of `x-migration-multifd-transfer`.
package enum VFIOMultiFDSupport {
    /// Whether device state transfer over multifd is possible in this configuration.
    package static func isSupported(
        multifd: Bool, mappedRAM: Bool, multifdCompression: String, sendSwitchoverStart: Bool
    ) -> Bool {
        multifd && !mappedRAM && multifdCompression == "none" && sendSwitchoverStart
    }

    /// `vfio_multifd_setup()`'s decision: AUTO → supported; ON → on, but an error when
    /// unsupported; OFF → the main channel.
    package static func resolve(_ property: OnOffAuto, setup: VFIOMigrationSetup, deviceName: String) throws -> Bool {
        let supported = setup.multifdTransferSupported
        let enabled = property == .auto ? supported : property == .on
        guard !enabled || supported else {
            throw VFIOError("\(deviceName): Multifd device transfer requested but unsupported in the current config")
        }
        return enabled
    }

    /// The effective `x-migration-load-config-after-iter`: AUTO means on for ARM targets only.
    package static func resolveLoadConfigAfterIter(_ property: OnOffAuto, setup: VFIOMigrationSetup) -> Bool {
        property == .auto ? setup.targetIsARM : property == .on
    }
}
