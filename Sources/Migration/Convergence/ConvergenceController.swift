import POSIXSupport

/// The source's convergence logic, on the migration thread: when to sync the dirty log, whether the switchover
/// fits `downtime-limit`, `max-bandwidth` during precopy, `auto-converge`, and what `query-migrate` reports about
/// it (`expected-downtime`, `x-switchover-blocker`, `cpu-throttle-percentage`, `mbps`).
///
/// The decision is device-aware (see `DowntimeModel`): it compares the predicted downtime with the limit, where
/// QEMU compares pending bytes with bandwidth × limit and measures bandwidth as bytes over wall time. Once precopy
/// caught up, that bandwidth is the dirty rate, and any device larger than dirty rate × limit blocked the switchover
/// forever; the link estimate here counts only the time the senders were writing.
///
/// The dirty log is synced at most once per 100 ms window once RAM has caught up; while there is nothing to send
/// and the switchover does not fit, the migration thread sleeps until the next window instead of spinning.
final class ConvergenceController {
    /// The window length (QEMU's `BUFFER_DELAY`): statistics, syncs and link samples happen at most this often.
    static let windowMilliseconds: UInt64 = 100

    private let session: OutgoingMigration
    private let counters: MigrationCounters
    private var window = BandwidthWindow()
    private var link: LinkCapacityEstimator
    private var rate: RateLimiter
    private var autoConverge: AutoConverge
    private var rateLimited = true
    /// `max-bandwidth` as of the last window (read once per window, not on every rate check of the RAM loop).
    private var bandwidthLimit: UInt64 = 0
    private var nextSync: UInt64 = 0
    private var caughtUpOnce = false
    private var estimateFits = false
    private var pageRate: Double?
    private(set) var history: ConvergenceHistory
    /// The prediction the switchover was decided on.
    private(set) var decision: DowntimePrediction?

    init(session: OutgoingMigration, mainMeter: ThroughputMeter) {
        self.session = session
        counters = session.counters
        history = session.history
        link = LinkCapacityEstimator(main: mainMeter, prior: session.history.link, floor: session.history.switchoverLink)
        rate = RateLimiter(transferred: session.counters.transferred)
        autoConverge = AutoConverge(transferred: 0, dirtiedPages: 0)
    }

    /// Adds the multifd channels' meters to the link estimate.
    func attach(multifd: MultiFDSender) {
        link.attach(multifd: multifd.meter)
    }

    /// Precopy begins: the first window, the rate budget and the auto-converge period start now.
    func start(pages: UInt64) {
        // The first decision waits for the first window: it needs a link sample to judge anything by.
        nextSync = HostClock.monotonicMilliseconds() + Self.windowMilliseconds
        window.reset(transferred: counters.transferred, pages: pages)
        bandwidthLimit = session.liveParameters().maxBandwidth
        rate = RateLimiter(transferred: counters.transferred)
        autoConverge = AutoConverge(transferred: counters.transferred,
                                    dirtiedPages: counters.dirtiedPages.load(ordering: .relaxed))
    }

    // MARK: Rate limit

    /// True while precopy is ahead of `max-bandwidth` (never after `disableRateLimit`).
    var rateLimitExceeded: Bool {
        guard rateLimited else { return false }
        rate.update(transferred: counters.transferred, limit: bandwidthLimit)
        return rate.exceeded
    }

    /// At switchover the limit is lifted, as QEMU does (`migration_rate_set(RATE_LIMIT_DISABLED)`).
    func disableRateLimit() {
        rateLimited = false
    }

    /// Sleeps until the bytes written are within `max-bandwidth` again (a stopping migration wakes it at once).
    func waitForRateLimit() {
        while rateLimitExceeded && !session.shouldStop {
            session.stop.sleep(for: .milliseconds(max(1, min(rate.millisecondsToWait, Int(Self.windowMilliseconds)))))
        }
    }

    // MARK: Windows and syncs

    /// Closes the 100 ms window when it is due: `max-bandwidth` taken anew, `mbps`, pages/s, a link sample, and a
    /// prediction from the RAM still to send in this pass (QEMU's pending estimate); before the first sync, that is
    /// the expected downtime.
    func tick(pages: UInt64, ramPending: UInt64, costs: () -> [SwitchoverCost]) {
        guard let derived = window.update(transferred: counters.transferred, pages: pages) else { return }
        bandwidthLimit = session.liveParameters().maxBandwidth
        link.sample()
        if derived.pagesPerSecond > 0 {
            pageRate = Double(derived.pagesPerSecond) * Double(GuestMemory.pageSize)
        }
        counters.derived.withLockedValue {
            $0.mbps = derived.mbps
            $0.pagesPerSecond = derived.pagesPerSecond
        }
        let estimate = predict(ramBytes: ramPending, costs: costs())
        estimateFits = estimate.blocker == nil
        if !caughtUpOnce {
            publish(estimate, blocking: false)
        }
    }

    /// Whether the dirty log should be synced now (QEMU's exact pending): the last sync was at least a window ago,
    /// and either RAM has sent everything it knew of or the estimate already fits `downtime-limit`. Before RAM has
    /// caught up once, the estimate counts only with `avail-switchover-bandwidth` set: a link estimate from the first
    /// windows is not worth leaving most of RAM for the downtime, which is what precopy is there to avoid.
    func syncDue(ramPending: UInt64) -> Bool {
        guard HostClock.monotonicMilliseconds() >= nextSync else { return false }
        if ramPending == 0 { return true }
        return estimateFits && (caughtUpOnce || session.liveParameters().availSwitchoverBandwidth > 0)
    }

    /// After a sync: runs auto-converge, predicts the downtime for `ramBytes` still dirty and the handlers'
    /// `costs`, publishes it, and returns whether the switchover fits `downtime-limit`, or cannot get any shorter:
    /// a guest that does not run (paused, or never started) dirties nothing, so once its RAM is sent waiting gains
    /// nothing, and the switchover goes ahead unless `downtime-limit` is 0 (which holds every switchover).
    /// QEMU waits in that case too, and a paused VM whose device state needs longer than the limit never finishes.
    func decide(ramBytes: UInt64, costs: [SwitchoverCost]) -> Bool {
        nextSync = HostClock.monotonicMilliseconds() + Self.windowMilliseconds
        caughtUpOnce = true
        throttleIfNeeded()
        let prediction = predict(ramBytes: ramBytes, costs: costs)
        publish(prediction, blocking: true)
        let nothingLeft = ramBytes == 0 && costs.allSatisfy { $0.bytes == 0 }
        let waitingGainsNothing = ramBytes == 0 && !session.host.guestIsRunning
            && session.liveParameters().downtimeLimit > 0
        guard prediction.blocker == nil || nothingLeft || waitingGainsNothing else { return false }
        decision = prediction
        return true
    }

    /// Sleeps until the next sync is due (at most one window), when the last iteration had nothing to send.
    func waitForNextSync() {
        let now = HostClock.monotonicMilliseconds()
        let wait = nextSync > now ? min(nextSync - now, Self.windowMilliseconds) : 1
        session.stop.sleep(for: .milliseconds(Int(wait)))
    }

    // MARK: End

    /// The migration ended: the throttle is lifted, and a completed one teaches the next its link and fixed part.
    func finish(measuredDowntime: UInt64?) {
        if autoConverge.percentage > 0 {
            session.host.setGuestThrottle(percentage: 0)
        }
        counters.throttlePercentage.store(0, ordering: .relaxed)
        history.link = link.capacity
        if let measuredDowntime {
            history.switchoverLink = history.switchoverLink.updated(with: link.switchoverSample())
            if let decision { history.learn(prediction: decision, measured: measuredDowntime) }
        }
    }

    // MARK: Internals

    private func predict(ramBytes: UInt64, costs: [SwitchoverCost]) -> DowntimePrediction {
        let parameters = session.liveParameters()
        var capacity = link.capacity
        if parameters.availSwitchoverBandwidth > 0 {
            let available = Double(parameters.availSwitchoverBandwidth)
            capacity = LinkCapacity(multifd: available, main: available)
        }
        let model = DowntimeModel(
            ramBytes: ramBytes, dirtyRate: counters.dirtyPagesRate.load(ordering: .relaxed) &* UInt64(GuestMemory.pageSize),
            costs: costs, link: capacity, ramPageRate: pageRate, multifd: session.capabilities[.multifd],
            channels: Int(session.parameters.multifdChannels), overheadMilliseconds: history.overheadMilliseconds)
        return model.predict(limit: parameters.downtimeLimit)
    }

    private func publish(_ prediction: DowntimePrediction, blocking: Bool) {
        var shown = prediction
        if !blocking { shown.blocker = nil }
        counters.derived.withLockedValue {
            $0.expectedDowntime = prediction.milliseconds
            $0.prediction = shown
        }
    }

    private func throttleIfNeeded() {
        guard session.capabilities[.autoConverge] else { return }
        let changed = autoConverge.sync(
            transferred: counters.transferred, dirtiedPages: counters.dirtiedPages.load(ordering: .relaxed),
            pageSize: GuestMemory.pageSize, parameters: session.liveParameters())
        guard let percentage = changed else { return }
        counters.throttlePercentage.store(UInt64(percentage), ordering: .relaxed)
        session.host.setGuestThrottle(percentage: percentage)
    }
}
