/// A snapshot in the shape of QEMU 10's `MigrationInfo` (`query-migrate`): every member optional, present exactly
/// when QEMU would include it. All times are milliseconds. Before any migration every member is nil (`{}`).
public struct MigrationInfo: Sendable, Equatable {
    /// Current status (absent before any migration, and on a destination that is only listening).
    package var status: MigrationStatus?
    /// RAM statistics (source side, while active and after completion).
    package var ram: RAMStatistics?
    /// Milliseconds since the migration started, or its total duration once completed.
    package var totalTime: UInt64?
    /// Milliseconds spent in `setup`.
    package var setupTime: UInt64?
    /// Predicted downtime while active (RAM still dirty over the link, plus the devices' stop-copy state).
    package var expectedDowntime: UInt64?
    /// While active and the prediction does not fit `downtime-limit`: what keeps it above (vmig's
    /// `x-switchover-blocker`).
    package var switchoverBlocker: String?
    /// The `auto-converge` throttle in force (%), while one is.
    package var cpuThrottlePercentage: UInt64?
    /// After completion: the downtime predicted when the switchover was decided, to set against `downtime`
    /// (vmig's `x-predicted-downtime`).
    package var predictedDowntime: UInt64?
    /// Measured downtime after completion: source stop to destination resume.
    package var downtime: UInt64?
    /// Why the migration failed.
    package var errorDesc: String?
    /// Where a destination listens (incoming side, until the migration ends).
    package var socketAddress: [MigrationSocketAddress]?

    /// An empty snapshot (`{}`).
    package init() {}
}
