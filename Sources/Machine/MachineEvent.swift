import Migration
import VFIO

/// What a machine announces as it runs; the monitor turns each into its QMP event.
package enum MachineEvent: Sendable {
    /// The VM stopped running (`STOP`).
    case stop
    /// The VM runs again (`RESUME`).
    case resume
    /// The host asked the machine to quit (`SHUTDOWN`, not caused by the guest).
    case quit
    /// The migration engine's status changed or a RAM pass began (`MIGRATION`, `MIGRATION_PASS`).
    case migration(MigrationEvent)
    /// A device was unplugged (`DEVICE_DELETED`).
    case deviceDeleted(id: String, qomPath: String)
    /// A device entered a migration state (`VFIO_MIGRATION`, with the device's `migration-events` on).
    case vfioMigration(VFIOMigrationEvent)
    /// The source VM stopped for a migration's switchover (`began`), or the switchover ended (completed, failed or
    /// cancelled). No QMP event: the monitor holds clients' commands meanwhile, as QEMU's big lock does.
    case switchover(began: Bool)
    /// A device's transfer progressed (`VFIO_MIGRATION_PROGRESS`). `localStreamSize` is the stream of the device's
    /// own full state when it was plugged: a destination learns the real stream size only at the end.
    case vfioMigrationProgress(VFIOMigrationProgress, localStreamSize: UInt64)
}
