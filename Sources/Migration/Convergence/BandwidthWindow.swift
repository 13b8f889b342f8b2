import POSIXSupport

/// The 100 ms statistics window of the migration thread (QEMU's `BUFFER_DELAY`): what went out in it, as
/// `query-migrate` reports it (`mbps`, `pages-per-second`). This is traffic, not capacity: the switchover decision
/// uses `LinkCapacityEstimator` instead.
struct BandwidthWindow {
    /// Window length in milliseconds.
    static let length = ConvergenceController.windowMilliseconds

    private var start = HostClock.monotonicMilliseconds()
    private var startBytes: UInt64 = 0
    private var startPages: UInt64 = 0

    /// Values computed at the end of a window.
    struct Derived {
        var mbps: Double
        var pagesPerSecond: UInt64
    }

    mutating func reset(transferred: UInt64, pages: UInt64) {
        start = HostClock.monotonicMilliseconds()
        startBytes = transferred
        startPages = pages
    }

    /// Closes the window if 100 ms have passed.
    mutating func update(transferred: UInt64, pages: UInt64) -> Derived? {
        let now = HostClock.monotonicMilliseconds()
        let elapsed = now - start
        guard elapsed >= Self.length else { return nil }
        let bytes = transferred &- startBytes
        let derived = Derived(mbps: Double(bytes) * 8 / Double(elapsed) / 1000,
                              pagesPerSecond: (pages &- startPages) &* 1000 / elapsed)
        reset(transferred: transferred, pages: pages)
        return derived
    }
}
