/// QEMU's `MigrationStatus` enum: all 15 values, in QEMU's declaration order.
public enum MigrationStatus: String, CaseIterable, Sendable, Equatable {
    case none
    case setup
    case cancelling
    case cancelled
    case active
    case postcopyActive = "postcopy-active"
    case postcopyPaused = "postcopy-paused"
    case postcopyRecoverSetup = "postcopy-recover-setup"
    case postcopyRecover = "postcopy-recover"
    case completed
    case failed
    case colo
    case preSwitchover = "pre-switchover"
    case device
    case waitUnplug = "wait-unplug"

    /// The QAPI spelling, e.g. `pre-switchover`.
    package var name: String { rawValue }

    /// True for the states in which a migration is in progress (QEMU's `migration_is_running`).
    package var isRunning: Bool {
        switch self {
        case .setup, .active, .cancelling, .preSwitchover, .device, .waitUnplug,
             .postcopyActive, .postcopyPaused, .postcopyRecoverSetup, .postcopyRecover, .colo:
            return true
        case .none, .cancelled, .completed, .failed:
            return false
        }
    }
}
