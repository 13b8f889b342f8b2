/// How a migration ended, as the engine reports it to each device.
package enum VFIOMigrationOutcome: Sendable {
    /// The migration completed.
    case completed
    /// The migration failed.
    case failed
    /// The migration was cancelled.
    case cancelled
}
