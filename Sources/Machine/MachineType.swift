import Migration

/// The kind of machine assembled (QEMU's `-machine`): which sections a migration carries besides RAM, the RAM
/// block's name and whose stream dialect the VM speaks.
///
/// Every place that depends on the type switches over this enum, so the compiler lists what a new case must decide.
public enum MachineType: String, Sendable, CaseIterable {
    /// vmig's own machine: RAM (`pc.ram`) and simulated VFIO devices; vmig's stream extras between two vmigd.
    case vmig
    /// QEMU's `-machine none`: the configuration record `none`, RAM (`ram`, or the memory backend's id), then
    /// `timer` and `globalstate`; QEMU's stream only, so a QEMU 10.0 peer accepts it. Devices still migrate as
    /// vmig's sections (a QEMU destination refuses them as unknown sections).
    case qemuNone = "none"

    /// The stream dialect of the type.
    var dialect: StreamDialect {
        switch self {
        case .vmig: .vmig
        case .qemuNone: .qemu(machine: rawValue)
        }
    }

    /// The RAM block's name when no memory backend names it.
    public var defaultRAMBlockName: String {
        switch self {
        case .vmig: GuestMemory.defaultBlockName
        case .qemuNone: "ram"
        }
    }

    /// The sections the engine migrates after RAM.
    func sectionHandlers(devices: DeviceTable, machineSections: [any SaveStateHandler]) -> [any SaveStateHandler] {
        switch self {
        case .vmig: devices.saveStateHandlers
        case .qemuNone: machineSections + devices.saveStateHandlers
        }
    }

    /// The sections of the machine itself (not of plugged devices), made once per VM.
    func makeMachineSections(stateAtSwitchover: @escaping @Sendable () -> RunState)
        -> (timer: TimerSection, globalState: GlobalStateSection)? {
        switch self {
        case .vmig: nil
        case .qemuNone: (TimerSection(), GlobalStateSection(stateAtSwitchover: stateAtSwitchover))
        }
    }
}
