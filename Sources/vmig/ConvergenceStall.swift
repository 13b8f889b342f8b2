import HMP

/// Tells when a migration has reported for too long that it cannot converge: the same `x-switchover-blocker`
/// condition (any text) without a break for `timeout` seconds.
struct ConvergenceStall {
    /// Seconds allowed; nil never gives up.
    let timeout: Double?
    private var since: Double?

    init(timeout: Double?) {
        self.timeout = timeout
    }

    /// Feeds one sample; returns the blocker's text once it has held for `timeout` seconds.
    mutating func update(_ sample: MigrationProgressSample) -> String? {
        guard let timeout, sample.isOngoing, let blocker = sample.info["x-switchover-blocker"]?.stringValue else {
            since = nil
            return nil
        }
        let first = since ?? sample.time
        since = first
        return sample.time - first >= timeout ? blocker : nil
    }
}
