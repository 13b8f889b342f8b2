import Migration

/// What a machine is assembled from (the `vmigd` options that describe the VM, not its monitors).
public struct MachineOptions: Sendable {
    /// The machine type.
    public var type: MachineType = .vmig
    /// The RAM block's name on the wire (QEMU's `memory-backend=` id); nil: the type's default.
    public var ramBlockName: String?
    /// The VM's name (`--name`), reported by `query-name`.
    public var name: String?
    /// Start with the VM paused (`--paused`, QEMU's `-S`).
    public var paused = false
    /// Guest RAM size in bytes (a whole number of pages).
    public var memoryBytes: Int
    /// Guest RAM's initial content.
    public var memoryFill: MemoryFill
    /// Bytes per second the guest workload dirties while the VM runs (0 = idle).
    public var dirtyRate: UInt64 = 0
    /// `--incoming`: none, deferred or a URI to listen on at start.
    public var incoming: IncomingMode = .none
    /// `--device` option strings, plugged in order.
    public var devices: [String] = []
    /// The VM's UUID (16 bytes), checked in every multifd channel hello.
    public var uuid = [UInt8](repeating: 0, count: 16)

    /// A machine of `memoryBytes` of RAM filled with `memoryFill`; the rest takes its defaults.
    public init(memoryBytes: Int, memoryFill: MemoryFill = .random(seed: 1)) {
        self.memoryBytes = memoryBytes
        self.memoryFill = memoryFill
    }

    /// The run state the VM starts in: `inmigrate` when incoming, `prelaunch` when paused, else `running`.
    var initialState: RunState {
        if incoming != .none { return .inmigrate }
        return paused ? .prelaunch : .running
    }
}
