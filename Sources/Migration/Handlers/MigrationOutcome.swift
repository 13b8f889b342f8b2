/// How a migration ended, as the engine tells every handler once it is over (QEMU's precopy notifiers
/// `MIG_EVENT_PRECOPY_DONE` / `MIG_EVENT_PRECOPY_FAILED`).
public enum MigrationOutcome: Sendable, Equatable {
    /// The migration completed.
    case completed
    /// The migration failed (on the destination, a cancel is a failure too).
    case failed
    /// The source's migration was cancelled.
    case cancelled
}
