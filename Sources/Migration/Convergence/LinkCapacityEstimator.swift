/// Estimates what the channels can carry from the time their senders spent writing, not from wall time: once
/// precopy has caught up a 100 ms window only carries what the guest dirtied, and bytes over wall time would
/// fall to the dirty rate. A window counts as a sample only when the link was in real use in it (every multifd
/// channel, or the main channel, spent at least `busyShare` of the window writing); the estimate is the median of
/// the recent samples, so one stalled or lucky window does not move it. Without a sample yet, the estimate of an
/// earlier migration in this process stands.
///
/// Owned by the migration thread.
struct LinkCapacityEstimator {
    /// Share of a window a channel must spend writing for the window to be a sample.
    static let busyShare = 0.01
    /// Samples kept per kind.
    static let keptSamples = 9

    private let mainMeter: ThroughputMeter
    private var multifdMeters: [ThroughputMeter] = []
    private var lastMain: (bytes: UInt64, nanoseconds: UInt64) = (0, 0)
    private var lastMultifd: [(bytes: UInt64, nanoseconds: UInt64)] = []
    private var lastSample = Clock.monotonicNanoseconds()
    private var mainSamples: [Double] = []
    private var multifdSamples: [Double] = []
    private let prior: LinkCapacity

    /// An estimator over the main channel's meter, starting from `prior` (an earlier migration's estimate).
    init(main: ThroughputMeter, prior: LinkCapacity) {
        mainMeter = main
        self.prior = prior
        lastMain = main.totals
    }

    /// Adds the multifd channels' meters once they exist.
    mutating func attach(multifd meters: [ThroughputMeter]) {
        multifdMeters = meters
        lastMultifd = meters.map(\.totals)
    }

    /// Closes a measuring window: takes what each meter recorded since the last call.
    mutating func sample() {
        let now = Clock.monotonicNanoseconds()
        let window = Double(now &- lastSample)
        lastSample = now
        guard window > 0 else { return }
        let main = mainMeter.totals
        if let rate = Self.rate(from: lastMain, to: main, window: window) {
            Self.keep(rate, in: &mainSamples)
        }
        lastMain = main
        let current = multifdMeters.map(\.totals)
        let rates = zip(lastMultifd, current).map { Self.rate(from: $0, to: $1, window: window) }
        lastMultifd = current
        if !rates.isEmpty, rates.allSatisfy({ $0 != nil }) {
            Self.keep(rates.reduce(0) { $0 + $1! }, in: &multifdSamples)
        }
    }

    /// The current estimate (bytes per second).
    var capacity: LinkCapacity {
        prior.updated(with: LinkCapacity(multifd: Self.median(multifdSamples), main: Self.median(mainSamples)))
    }

    private static func rate(from old: (bytes: UInt64, nanoseconds: UInt64),
                             to new: (bytes: UInt64, nanoseconds: UInt64), window: Double) -> Double? {
        let busy = Double(new.nanoseconds &- old.nanoseconds)
        guard busy >= window * busyShare, busy > 0 else { return nil }
        return Double(new.bytes &- old.bytes) / busy * 1e9
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
