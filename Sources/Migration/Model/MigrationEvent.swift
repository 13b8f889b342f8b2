/// An event the engine emits (QMP `MIGRATION` and `MIGRATION_PASS`), only while the `events` capability is on.
public enum MigrationEvent: Sendable, Equatable {
    /// `MIGRATION {status}`: the source's or the destination's status changed.
    case status(MigrationStatus)
    /// `MIGRATION_PASS {pass}`: the source synced its dirty bitmap; `pass` is the dirty-sync count.
    case pass(Int)
}
