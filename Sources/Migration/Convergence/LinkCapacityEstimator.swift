import POSIXSupport

/// Estimates what the channels can carry from the time their senders spent writing, not from wall time: once
/// precopy has caught up a 100 ms window only carries what the guest dirtied, and bytes over wall time would
/// fall to the dirty rate. A window counts as a sample only when the link was in real use in it (the senders were
/// writing for at least `busyShare` of the window, see `ThroughputMeter`); the estimate is the median of
/// the recent samples, so one stalled or lucky window does not move it. Without a sample yet, the estimate of an
/// earlier migration in this process stands.
///
/// Owned by the migration thread.
struct LinkCapacityEstimator {
    /// Share of a window the senders must spend writing for the window to be a sample.
    static let busyShare = 0.01
    /// Samples kept per kind.
    static let keptSamples = 9

    private let mainMeter: ThroughputMeter
    private var multifdMeter: ThroughputMeter?
    private var lastSample = HostClock.monotonicNanoseconds()
    private var mainSamples: [Double] = []
    private var multifdSamples: [Double] = []
    private let prior: LinkCapacity
    private let floor: LinkCapacity

    /// An estimator over the main channel's meter, starting from `prior` (an earlier migration's estimate) and
    /// never below `floor` (what an earlier switchover achieved).
    init(main: ThroughputMeter, prior: LinkCapacity, floor: LinkCapacity = LinkCapacity()) {
        mainMeter = main
        self.prior = prior
        self.floor = floor
        _ = main.take()
    }

    /// Adds the multifd channels' shared meter once the channels exist.
    mutating func attach(multifd meter: ThroughputMeter) {
        multifdMeter = meter
        _ = meter.take()
    }

    /// Closes a measuring window: keeps what each meter recorded since the last call as a sample.
    mutating func sample() {
        let window = takeWindow()
        if let rate = window.main { Self.keep(rate, in: &mainSamples) }
        if let rate = window.multifd { Self.keep(rate, in: &multifdSamples) }
    }

    /// The current estimate (bytes per second).
    var capacity: LinkCapacity {
        let measured = prior.updated(with: LinkCapacity(multifd: Self.median(multifdSamples), main: Self.median(mainSamples)))
        return LinkCapacity(multifd: measured.multifd.merged(with: floor.multifd, by: max),
                            main: measured.main.merged(with: floor.main, by: max))
    }

    /// After a completed switchover: what the channels carried since the last window (the switchover itself).
    mutating func switchoverSample() -> LinkCapacity {
        takeWindow()
    }

    /// The rates of what each meter recorded since the last window closed (nil where the senders were not busy
    /// enough for a sample), and a new window.
    private mutating func takeWindow() -> LinkCapacity {
        let now = HostClock.monotonicNanoseconds()
        let window = Double(now &- lastSample)
        lastSample = now
        guard window > 0 else { return LinkCapacity() }
        return LinkCapacity(multifd: multifdMeter.flatMap { Self.rate($0.take(), window: window) },
                            main: Self.rate(mainMeter.take(), window: window))
    }

    private static func rate(_ taken: (bytes: UInt64, nanoseconds: UInt64), window: Double) -> Double? {
        let busy = Double(taken.nanoseconds)
        guard busy >= window * busyShare, busy > 0 else { return nil }
        return Double(taken.bytes) / busy * 1e9
    }

    private static func keep(_ sample: Double, in samples: inout [Double]) {
        samples.append(sample)
        if samples.count > keptSamples { samples.removeFirst(samples.count - keptSamples) }
    }

    private static func median(_ samples: [Double]) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        return sorted[sorted.count / 2]
    }
}
