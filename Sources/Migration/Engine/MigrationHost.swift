/// The VM side of the engine, implemented by the daemon: it owns the run state (running, paused, postmigrate,
/// inmigrate) and emits `STOP`/`RESUME`. The engine calls these methods from its own threads (migration thread,
/// main load thread) at the moments QEMU changes the run state; implementations must be thread-safe and must not
/// call back into the engine synchronously from them.
public protocol MigrationHost: AnyObject, Sendable {
    /// Guest RAM.
    var memory: GuestMemory { get }
    /// Device handlers to migrate besides RAM (none in this issue; VFIO devices next). Read once per migration.
    var saveHandlers: [any SaveStateHandler] { get }
    /// The VM's UUID (QEMU `-uuid`, 16 bytes; all zero when unset), sent in every multifd hello and checked by
    /// the destination against its own.
    var uuid: [UInt8] { get }
    /// Whose stream this VM speaks: vmig's (with its extras) or QEMU's for a QEMU-compatible machine type.
    var dialect: StreamDialect { get }
    /// Whether the guest runs now (false when paused or not started: it dirties no RAM and no device state, so a
    /// source waiting for a shorter switchover waits in vain).
    var guestIsRunning: Bool { get }

    /// Source, at `migrate`, before the migration thread starts (the status is about to become `setup`): forget
    /// what an earlier migration left in per-migration figures (device progress), so none of it shows in the new one.
    func outgoingStarting()
    /// Source, at switchover: stop the VM (pause the guest workload, `STOP` if it was running). Returns once no
    /// guest write can happen any more.
    func stopForSwitchover()
    /// Source, after `stopForSwitchover`, when the migration failed or was cancelled: run the VM again if it ran
    /// before (QEMU restarts it when its old state was running).
    func resumeAfterFailedOutgoing()
    /// Source, after success: the VM is now `postmigrate`.
    func outgoingCompleted()
    /// Source, with `auto-converge`: slow the guest's vCPUs down by `percentage` % (0 lifts the throttle; the
    /// engine lifts it when the migration ends, however it ends).
    func setGuestThrottle(percentage: Int)
    /// Destination: the main channel arrived; loading starts (the VM stays `inmigrate`).
    func incomingStarted()
    /// Destination: everything is loaded; start the VM (`RESUME`) unless it was started paused. The engine takes
    /// the end of the downtime when this returns.
    func incomingCompleted()
    /// Destination: loading failed (the VM stays stopped; the daemon keeps serving).
    func incomingFailed(_ error: MigrationError)
}

extension MigrationHost {
    /// No devices.
    public var saveHandlers: [any SaveStateHandler] { [] }
    /// vmig's stream.
    public var dialect: StreamDialect { .vmig }
    /// A guest that runs.
    public var guestIsRunning: Bool { true }
    /// No UUID: 16 zero bytes.
    public var uuid: [UInt8] { [UInt8](repeating: 0, count: 16) }
    /// No vCPUs to throttle.
    public func setGuestThrottle(percentage: Int) {}
    /// Nothing to do.
    public func outgoingStarting() {}
    /// Nothing to do.
    public func incomingStarted() {}
    /// Nothing to do.
    public func incomingFailed(_ error: MigrationError) {}
}
