import HMP

/// What `vmig demo` does about a migration that reports it cannot converge (`x-switchover-blocker`), so that
/// it never hangs:
///
/// - a device or the link blocks it (no amount of waiting shrinks stop-copy state the devices have no precopy
///   data for): after `raiseAfter` seconds, raise `downtime-limit` to the predicted downtime plus a quarter,
///   as an operator would, at most `maximumRaises` times;
/// - anything still blocking after `giveUpAfter` seconds (RAM included): cancel and fail with the reason.
struct ConvergenceWatch {
    /// What to do now.
    enum Action: Equatable {
        case wait
        /// Set `downtime-limit` to `milliseconds`, because of `reason`.
        case raiseLimit(milliseconds: UInt64, reason: String)
        /// Cancel: the migration cannot converge because of `reason`.
        case giveUp(reason: String)
    }

    /// Seconds a device or link blocker may hold before the limit is raised; nil never raises it.
    var raiseAfter: Double?
    /// Seconds any blocker may hold before the migration is given up; nil never gives up.
    var giveUpAfter: Double?
    /// How often the limit may be raised.
    var maximumRaises = 3
    private var since: Double?
    private var raises = 0

    init(raiseAfter: Double?, giveUpAfter: Double?) {
        self.raiseAfter = raiseAfter
        self.giveUpAfter = giveUpAfter
    }

    /// Feeds one sample of the migration.
    mutating func update(_ sample: MigrationProgressSample) -> Action {
        guard sample.isOngoing, let blocker = sample.info["x-switchover-blocker"]?.stringValue else {
            since = nil
            return .wait
        }
        let first = since ?? sample.time
        since = first
        let held = sample.time - first
        if let raiseAfter, held >= raiseAfter, raises < maximumRaises, !blocker.hasPrefix("RAM:"),
            let expected = sample.info["expected-downtime"]?.uint64Value
        {
            raises += 1
            since = nil
            return .raiseLimit(milliseconds: (expected * 5 / 4 / 100 + 1) * 100, reason: blocker)
        }
        if let giveUpAfter, held >= giveUpAfter {
            return .giveUp(reason: blocker)
        }
        return .wait
    }
}
