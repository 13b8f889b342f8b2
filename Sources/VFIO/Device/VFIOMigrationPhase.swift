/// Where a device is in a migration.
package enum VFIOMigrationPhase: String, Sendable {
    /// No migration.
    case idle = "idle"
    /// Save or load setup done.
    case setup = "setup"
    /// Source: precopy iterations.
    case precopy = "precopy"
    /// Source: the VM is stopped and the rest of the state is being read and sent.
    case stopCopy = "stop-copy"
    /// Destination: receiving and loading device data.
    case resuming = "resuming"
    /// Destination: all data loaded, loading the config.
    case loadingConfig = "loading-config"
    /// Done; the state arrived.
    case completed = "completed"
    /// Failed.
    case failed = "failed"
    /// Cancelled.
    case cancelled = "cancelled"
}
