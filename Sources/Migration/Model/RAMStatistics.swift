/// QEMU's `MigrationStats` (the `ram` member). QEMU always includes every member; counts are pages or bytes.
package struct RAMStatistics: Sendable, Equatable {
    /// Bytes sent so far on all channels (main stream plus multifd).
    package var transferred: UInt64 = 0
    /// Dirty bytes not yet sent.
    package var remaining: UInt64 = 0
    /// Guest RAM size in bytes.
    package var total: UInt64 = 0
    /// Zero pages found (sent without data).
    package var duplicate: UInt64 = 0
    /// Pages sent with data.
    package var normal: UInt64 = 0
    /// Bytes of page data sent (`normal` × page size).
    package var normalBytes: UInt64 = 0
    /// Pages dirtied per second, measured between dirty syncs.
    package var dirtyPagesRate: UInt64 = 0
    /// Throughput of the last 100 ms window (or of the whole migration once completed), in Mbit/s.
    package var mbps: Double = 0
    /// Number of dirty-bitmap syncs (passes).
    package var dirtySyncCount: UInt64 = 0
    /// Always 0 (no postcopy).
    package var postcopyRequests: UInt64 = 0
    /// Target page size in bytes.
    package var pageSize: UInt64 = UInt64(GuestMemory.pageSize)
    /// Bytes sent on multifd channels (hello, packet headers and page data).
    package var multifdBytes: UInt64 = 0
    /// Pages sent per second in the last window.
    package var pagesPerSecond: UInt64 = 0
    /// Bytes sent while the VM was running.
    package var precopyBytes: UInt64 = 0
    /// Bytes sent while the VM was stopped.
    package var downtimeBytes: UInt64 = 0
    /// Always 0 (no postcopy).
    package var postcopyBytes: UInt64 = 0
    /// Always 0 (no zero-copy send).
    package var dirtySyncMissedZeroCopy: UInt64 = 0

    /// All zero.
    package init() {}
}
