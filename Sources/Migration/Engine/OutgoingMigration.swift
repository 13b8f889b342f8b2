import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// One outgoing migration (the source role): the state other threads see (status, counters, errors) and the
/// controls (`cancel`, `continue`). The migration thread itself is `OutgoingRunner`.
final class OutgoingMigration: Sendable {
    let uri: MigrationURI
    /// The channel of `exec:` / `file:`, opened by `migrate`; nil for sockets (the runner connects).
    let prepared: PreparedChannel?
    let capabilities: MigrationCapabilities
    /// Parameters at `migrate` time (channels, zero-page detection); live ones come from `liveParameters`.
    let parameters: MigrationParameters
    let liveParameters: @Sendable () -> MigrationParameters
    let host: any MigrationHost
    let status: StatusCell
    let events: EventDispatcher
    let counters = MigrationCounters()
    /// Fired when the migration thread must give up (cancel, an error, the destination's failure): every wait of
    /// the migration thread names it.
    let stop = Cancellation()
    let errors: ErrorSlot
    let cpuTime = CPUTimeAccumulator()
    let startTime = HostClock.monotonicMilliseconds()
    /// What earlier migrations in this process learned (link estimate, fixed part of the downtime).
    let history: ConvergenceHistory
    private let historySink: @Sendable (ConvergenceHistory) -> Void

    private let cancelFlag = Atomic<Bool>(false)
    /// Set once EOF is about to be written: from then on the outcome is the destination's, and
    /// `migrate_cancel` no longer applies (cancelling then could leave the VM running on both hosts).
    private let committed = NIOLockedValueBox(false)
    private let destinationFailure = NIOLockedValueBox<MigrationError?>(nil)
    private let connections = NIOLockedValueBox<[SocketConnection]>([])
    private let sender = NIOLockedValueBox<MultiFDSender?>(nil)
    let continueSignal = Semaphore()
    let resultSignal = Semaphore()
    let returnPathDone = Semaphore()
    let switchoverAcked = Atomic<Bool>(false)
    let result = NIOLockedValueBox<ReturnPathMessage?>(nil)
    private let thread = NIOLockedValueBox<DedicatedThread?>(nil)
    private let failure = NIOLockedValueBox<MigrationError?>(nil)

    init(uri: MigrationURI, prepared: PreparedChannel? = nil, capabilities: MigrationCapabilities,
         parameters: MigrationParameters,
         liveParameters: @escaping @Sendable () -> MigrationParameters, host: any MigrationHost,
         events: EventDispatcher, history: ConvergenceHistory = ConvergenceHistory(),
         historySink: @escaping @Sendable (ConvergenceHistory) -> Void = { _ in }) {
        self.uri = uri
        self.prepared = prepared
        errors = ErrorSlot(firing: stop)
        self.history = history
        self.historySink = historySink
        self.capabilities = capabilities
        self.parameters = parameters
        self.liveParameters = liveParameters
        self.host = host
        self.events = events
        status = StatusCell(.none, events: events, role: "outgoing")
        counters.derived.withLockedValue { $0.expectedDowntime = parameters.downtimeLimit }
    }

    /// Enters `setup` and starts the migration thread (a failure to create it fails the migration at once).
    func start() throws {
        status.transition(from: .none, to: .setup)
        do {
            let spawned = try DedicatedThread.spawn(name: "live_migration", cpuTime: cpuTime) { [self] in
                OutgoingRunner(session: self).run()
            }
            thread.withLockedValue { $0 = spawned }
        } catch {
            let wrapped = MigrationError.wrap(error)
            prepared?.finish()
            setFailure(wrapped)
            status.transition(from: .setup, to: .failed)
            throw wrapped
        }
    }

    /// Waits for the migration thread to end.
    func join() {
        thread.withLockedValue { $0 }?.join()
    }

    // MARK: Controls

    /// `migrate_cancel`: moves a running migration to `cancelling` and unblocks every thread; the migration
    /// thread then restarts the VM if it stopped it, and ends in `cancelled`.
    func cancel() {
        let running: Set<MigrationStatus> = [.setup, .active, .preSwitchover, .device, .waitUnplug]
        let proceed = committed.withLockedValue { committed -> Bool in
            guard !committed, status.transition(from: running, to: .cancelling) else { return false }
            cancelFlag.store(true, ordering: .releasing)
            return true
        }
        guard proceed else { return }
        stop.cancel()
        abortTransfers()
    }

    /// The owner is shutting down: `cancel()`, and past the point of no return too, stops every transfer so that
    /// the migration thread ends soon.
    func abandon() {
        cancel()
        stop.cancel()
        abortTransfers()
    }

    /// Called by the migration thread right before it writes EOF; false when a cancel came first.
    func commitToDestination() -> Bool {
        committed.withLockedValue { committed in
            guard !isCancelled else { return false }
            committed = true
            return true
        }
    }

    /// `migrate-continue`: leaves `pre-switchover`.
    func continueFromPause(expected: MigrationStatus) throws {
        let current = status.current
        guard current == expected else {
            throw MigrationError("Migration not in expected state: \(current.name)")
        }
        continueSignal.post()
    }

    var isCancelled: Bool {
        cancelFlag.load(ordering: .acquiring)
    }

    /// True when the migration thread must give up.
    var shouldStop: Bool {
        isCancelled || errors.hasError || destinationError != nil
    }

    // MARK: Plumbing shared with the runner and the return path

    func register(_ connection: SocketConnection) {
        connections.withLockedValue { $0.append(connection) }
        if shouldStop {
            connection.shutdown()
        }
    }

    func register(_ multifd: MultiFDSender) {
        sender.withLockedValue { $0 = multifd }
        if shouldStop {
            multifd.terminate()
        }
    }

    /// Shuts every socket down and stops multifd so that blocked threads return.
    func abortTransfers() {
        sender.withLockedValue { $0 }?.terminate()
        for connection in connections.withLockedValue({ $0 }) {
            connection.shutdown()
        }
    }

    /// Drops the session's references to its sockets once every thread using them has ended; each socket is
    /// closed when its last reference goes away (a later `cancel` then touches nothing).
    func releaseConnections() {
        connections.withLockedValue { $0.removeAll() }
        sender.withLockedValue { $0 = nil }
    }

    var destinationError: MigrationError? {
        destinationFailure.withLockedValue { $0 }
    }

    func recordDestinationFailure(_ error: MigrationError) {
        destinationFailure.withLockedValue { if $0 == nil { $0 = error } }
        stop.cancel()
        abortTransfers()
    }

    /// Hands what this migration learned to the engine, for the next one.
    func recordHistory(_ learned: ConvergenceHistory) {
        historySink(learned)
    }

    func setFailure(_ error: MigrationError) {
        failure.withLockedValue { $0 = error }
        migrationLog.error("outgoing migration to \(uri.description) failed: \(error.message)")
    }

    // MARK: query-migrate

    /// The latest downtime prediction, nil before the first one.
    var prediction: DowntimePrediction? {
        counters.derived.withLockedValue { $0.prediction }
    }

    /// The source part of `query-migrate` (QEMU's `fill_source_migration_info`).
    func info() -> MigrationInfo {
        var info = MigrationInfo()
        let current = status.current
        info.status = current
        switch current {
        case .active, .cancelling, .preSwitchover, .device, .waitUnplug, .completed:
            fillTimes(&info, completed: current == .completed)
            info.ram = counters.ramStatistics(total: host.memory.size, completed: current == .completed)
        case .failed:
            info.errorDesc = failure.withLockedValue { $0 }?.message
        default:
            break
        }
        return info
    }

    private func fillTimes(_ info: inout MigrationInfo, completed: Bool) {
        let derived = counters.derived.withLockedValue { $0 }
        info.setupTime = derived.setupTime
        if completed {
            info.totalTime = derived.totalTime ?? 0
            info.downtime = derived.downtime ?? 0
            info.predictedDowntime = derived.prediction?.milliseconds
        } else {
            info.totalTime = HostClock.monotonicMilliseconds() - startTime
            info.expectedDowntime = derived.expectedDowntime
            info.switchoverBlocker = derived.prediction?.blocker?.text
            let throttle = counters.throttlePercentage.load(ordering: .relaxed)
            if throttle > 0 { info.cpuThrottlePercentage = throttle }
        }
    }
}
