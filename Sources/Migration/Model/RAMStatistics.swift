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
