/// The 100 ms accounting window of the migration thread (QEMU's `BUFFER_DELAY`): measures bandwidth, derives
/// the switchover threshold, and holds the `max-bandwidth` budget of the window.
struct BandwidthWindow {
    /// Window length in milliseconds.
    static let length: UInt64 = 100

    private var start = Clock.monotonicMilliseconds()
    private var startBytes: UInt64 = 0
    private var startPages: UInt64 = 0
    /// Bytes per window allowed by `max-bandwidth` (0 = no limit, QEMU's `RATE_LIMIT_DISABLED`).
    private var budget: UInt64 = 0
    /// Remaining dirty bytes below which the migration switches over.
    private(set) var thresholdBytes: UInt64 = 0

    /// Values computed at the end of a window.
    struct Derived {
        var mbps: Double
        var pagesPerSecond: UInt64
        var expectedDowntime: UInt64?
    }

    mutating func reset(transferred: UInt64, pages: UInt64) {
        start = Clock.monotonicMilliseconds()
        startBytes = transferred
        startPages = pages
    }

    var millisecondsLeft: Int {
        let elapsed = Clock.monotonicMilliseconds() - start
        return elapsed >= Self.length ? 0 : Int(Self.length - elapsed)
    }

    func rateLimitExceeded(transferred: UInt64) -> Bool {
        budget > 0 && transferred &- startBytes > budget
    }

    /// Closes the window if 100 ms have passed: bandwidth, threshold, mbps, pages/s, expected downtime.
    mutating func update(transferred: UInt64, pages: UInt64, parameters: MigrationParameters,
                         dirtyBytesLastSync: UInt64, dirtyRate: UInt64) -> Derived? {
        let now = Clock.monotonicMilliseconds()
        let elapsed = now - start
        guard elapsed >= Self.length else { return nil }
        let bytes = transferred &- startBytes
        let bandwidth = Double(bytes) / Double(elapsed)
        let switchoverBandwidth = parameters.availSwitchoverBandwidth > 0
            ? Double(parameters.availSwitchoverBandwidth) / 1000 : bandwidth
        thresholdBytes = BandwidthWindow.clamp(switchoverBandwidth * Double(parameters.downtimeLimit))
        budget = parameters.maxBandwidth / (1000 / Self.length)
        var derived = Derived(mbps: Double(bytes) * 8 / Double(elapsed) / 1000,
                              pagesPerSecond: (pages &- startPages) &* 1000 / elapsed, expectedDowntime: nil)
        if dirtyRate > 0 && transferred > 10_000 && switchoverBandwidth > 0 {
            derived.expectedDowntime = BandwidthWindow.clamp(Double(dirtyBytesLastSync) / switchoverBandwidth)
        }
        start = now
        startBytes = transferred
        startPages = pages
        return derived
    }

    /// Converts to UInt64, saturating (huge `avail-switchover-bandwidth` × `downtime-limit` must not trap).
    static func clamp(_ value: Double) -> UInt64 {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= 1.8e19 ? .max : UInt64(value)
    }

    /// Starts the first window with the configured budget.
    mutating func configure(parameters: MigrationParameters) {
        budget = parameters.maxBandwidth / (1000 / Self.length)
    }
}
