/// A snapshot in the shape of QEMU 10's `MigrationInfo` (`query-migrate`): every member optional, present exactly
/// when QEMU would include it. All times are milliseconds. Before any migration every member is nil (`{}`).
public struct MigrationInfo: Sendable, Equatable {
    /// Current status (absent before any migration, and on a destination that is only listening).
    public var status: MigrationStatus?
    /// RAM statistics (source side, while active and after completion).
    public var ram: RAMStatistics?
    /// Milliseconds since the migration started, or its total duration once completed.
    public var totalTime: UInt64?
    /// Milliseconds spent in `setup`.
    public var setupTime: UInt64?
    /// Estimated downtime while active.
    public var expectedDowntime: UInt64?
    /// Measured downtime after completion: source stop to destination resume.
    public var downtime: UInt64?
    /// Why the migration failed.
    public var errorDesc: String?
    /// Where a destination listens (incoming side, until the migration ends).
    public var socketAddress: [MigrationSocketAddress]?

    /// An empty snapshot (`{}`).
    public init() {}
}

/// QEMU's `MigrationStats` (the `ram` member). QEMU always includes every member; counts are pages or bytes.
public struct RAMStatistics: Sendable, Equatable {
    /// Bytes sent so far on all channels (main stream plus multifd).
    public var transferred: UInt64 = 0
    /// Dirty bytes not yet sent.
    public var remaining: UInt64 = 0
    /// Guest RAM size in bytes.
    public var total: UInt64 = 0
    /// Zero pages found (sent without data).
    public var duplicate: UInt64 = 0
    /// Pages sent with data.
    public var normal: UInt64 = 0
    /// Bytes of page data sent (`normal` × page size).
    public var normalBytes: UInt64 = 0
    /// Pages dirtied per second, measured between dirty syncs.
    public var dirtyPagesRate: UInt64 = 0
    /// Throughput of the last 100 ms window (or of the whole migration once completed), in Mbit/s.
    public var mbps: Double = 0
    /// Number of dirty-bitmap syncs (passes).
    public var dirtySyncCount: UInt64 = 0
    /// Always 0 (no postcopy).
    public var postcopyRequests: UInt64 = 0
    /// Target page size in bytes.
    public var pageSize: UInt64 = UInt64(GuestMemory.pageSize)
    /// Bytes sent on multifd channels (hello, packet headers and page data).
    public var multifdBytes: UInt64 = 0
    /// Pages sent per second in the last window.
    public var pagesPerSecond: UInt64 = 0
    /// Bytes sent while the VM was running.
    public var precopyBytes: UInt64 = 0
    /// Bytes sent while the VM was stopped.
    public var downtimeBytes: UInt64 = 0
    /// Always 0 (no postcopy).
    public var postcopyBytes: UInt64 = 0
    /// Always 0 (no zero-copy send).
    public var dirtySyncMissedZeroCopy: UInt64 = 0

    /// All zero.
    public init() {}
}

/// A socket address as QEMU's `SocketAddress` reports it in `socket-address`.
public enum MigrationSocketAddress: Sendable, Equatable {
    /// `{"type":"unix","path":...}`
    case unix(path: String)
    /// `{"type":"inet","host":...,"port":"N"}` with `ipv4: true` or `ipv6: true`, as QEMU reports a bound socket.
    case inet(host: String, port: UInt16, ipv6: Bool)
}

/// An event the engine emits (QMP `MIGRATION` and `MIGRATION_PASS`), only while the `events` capability is on.
public enum MigrationEvent: Sendable, Equatable {
    /// `MIGRATION {status}`: the source's or the destination's status changed.
    case status(MigrationStatus)
    /// `MIGRATION_PASS {pass}`: the source synced its dirty bitmap; `pass` is the dirty-sync count.
    case pass(Int)
}

/// How the VM was started with respect to incoming migration (`--incoming`).
public enum IncomingMode: Sendable, Equatable {
    /// No `--incoming`: `migrate-incoming` is refused.
    case none
    /// `--incoming defer`: wait for `migrate-incoming`.
    case deferred
    /// `--incoming URI`: listen on URI at startup (call `MigrationEngine.listenFromCommandLine()`).
    case uri(String)
}
