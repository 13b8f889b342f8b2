/// The migration feature flags a device reports (`VFIO_DEVICE_FEATURE_MIGRATION`):
/// `VFIO_MIGRATION_STOP_COPY` (1 << 0), `VFIO_MIGRATION_P2P` (1 << 1), `VFIO_MIGRATION_PRE_COPY` (1 << 2).
package struct VFIOMigrationFeatures: OptionSet, Sendable, Hashable {
    /// The raw kernel flag word.
    package let rawValue: UInt32

    /// Creates a flag set from the kernel flag word.
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Mandatory for any migratable device: STOP, RUNNING, STOP_COPY and RESUMING.
    package static let stopCopy = VFIOMigrationFeatures(rawValue: 1 << 0)
    /// The RUNNING_P2P state (and PRE_COPY_P2P together with `preCopy`).
    package static let p2p = VFIOMigrationFeatures(rawValue: 1 << 1)
    /// The PRE_COPY state (and PRE_COPY_P2P together with `p2p`).
    package static let preCopy = VFIOMigrationFeatures(rawValue: 1 << 2)
    /// Every flag; used for ERROR, which no real flag set reaches.
    package static let all = VFIOMigrationFeatures(rawValue: ~0)

    /// The flags of a device that supports STOP_COPY plus the given optional features.
    package static func device(p2p: Bool, preCopy: Bool) -> VFIOMigrationFeatures {
        var features: VFIOMigrationFeatures = .stopCopy
        if p2p { features.insert(.p2p) }
        if preCopy { features.insert(.preCopy) }
        return features
    }

    /// Whether `state` exists on a device with these features.
    package func supports(_ state: VFIODeviceState) -> Bool {
        isSuperset(of: state.requiredFeatures)
    }
}
