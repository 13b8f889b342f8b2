import Migration

/// What a machine is assembled from (the `vmigd` options that describe the VM, not its monitors).
package struct MachineOptions: Sendable {
    /// The machine type.
    package var type: MachineType = .vmig
    /// The RAM block's name on the wire (QEMU's `memory-backend=` id); nil: the type's default.
    package var ramBlockName: String?
    /// The VM's name (`--name`), reported by `query-name`.
    package var name: String?
    /// Start with the VM paused (`--paused`, QEMU's `-S`).
    package var paused = false
    /// Guest RAM size in bytes (a whole number of pages).
    package var memoryBytes: Int
    /// Guest RAM's initial content.
    package var memoryFill: MemoryFill
    /// Bytes per second the guest workload dirties while the VM runs (0 = idle).
    package var dirtyRate: UInt64 = 0
    /// `--incoming`: none, deferred or a URI to listen on at start.
    package var incoming: IncomingMode = .none
    /// `--device` option strings, plugged in order.
    package var devices: [String] = []
    /// The VM's UUID (16 bytes), checked in every multifd channel hello.
    package var uuid = [UInt8](repeating: 0, count: 16)

    /// A machine of `memoryBytes` of RAM filled with `memoryFill`; the rest takes its defaults.
    package init(memoryBytes: Int, memoryFill: MemoryFill = .random(seed: 1)) {
        self.memoryBytes = memoryBytes
        self.memoryFill = memoryFill
    }

    /// The run state the VM starts in: `inmigrate` when incoming, `prelaunch` when paused, else `running`.
    var initialState: RunState {
        if incoming != .none { return .inmigrate }
        return paused ? .prelaunch : .running
    }
}
