import Migration

/// The kind of machine assembled (QEMU's `-machine`): which sections a migration carries besides RAM.
///
/// Today there is one, `vmig`: guest RAM plus one section per simulated VFIO device. A QEMU-compatible type
/// (QEMU's `none`: the configuration section, RAM, timer and globalstate) is a new case here; every place that
/// depends on the type switches over this enum, so the compiler lists what such a case must decide.
public enum MachineType: String, Sendable, CaseIterable {
    /// vmig's own machine: RAM and simulated VFIO devices.
    case vmig

    /// The sections the engine migrates after RAM.
    func sectionHandlers(devices: DeviceTable) -> [any SaveStateHandler] {
        switch self {
        case .vmig: devices.saveStateHandlers
        }
    }
}
