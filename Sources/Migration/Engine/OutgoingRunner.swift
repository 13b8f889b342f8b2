import POSIXSupport

/// The migration thread of one outgoing migration: connect, setup, precopy passes until the remaining dirty
/// bytes fit in `downtime-limit`, switchover, completion handshake on the return path, cleanup.
final class OutgoingRunner {
    private let session: OutgoingMigration
    private let counters: MigrationCounters
    private var writer: MainStreamWriter?
    private var sender: MultiFDSender?
    private var returnPath: DedicatedThread?
    private var sections: [(id: UInt32, handler: any SaveStateHandler)] = []
    private let pool: ThreadPool
    private var stopped = false
    private var completed = false
    private var stopRealtime: UInt64 = 0
    private var stopMonotonic: UInt64 = 0
    private let mainMeter = ThroughputMeter()
    private let convergence: ConvergenceController

    init(session: OutgoingMigration) {
        self.session = session
        counters = session.counters
        pool = ThreadPool(maxThreads: 1, name: "save-thread", cpuTime: session.cpuTime)
        convergence = ConvergenceController(session: session, mainMeter: mainMeter)
    }

    /// The whole migration; never throws (failures end in `failed` / `cancelled`).
    func run() {
        do {
            try connect()
            try setup()
            try iterate()
            try complete()
        } catch {
            handleFailure(error)
        }
        teardown()
        convergence.finish(measuredDowntime: completed ? counters.derived.withLockedValue { $0.downtime } : nil)
        session.recordHistory(convergence.history)
        finishStatus()
    }

    // MARK: Phases

    private func connect() throws {
        let main: SocketConnection
        if let prepared = session.prepared {
            main = prepared.connection
        } else {
            main = try SocketAddressing.connect(to: session.uri) { [session] in session.shouldStop }
        }
        session.register(main)
        let writer = MainStreamWriter(connection: main, counter: counters.mainBytes, meter: mainMeter)
        self.writer = writer
        try writer.writeFileHeader()
        try writer.putBytes(StreamConfiguration(capabilities: session.capabilities, parameters: session.parameters,
                                                dialect: session.host.dialect).encode())
        if session.capabilities[.returnPath] {
            try writer.writeCommand(.openReturnPath)
            // QEMU's migration thread pings once right after (the destination answers with PONG 1).
            if !session.host.dialect.hasVMigExtras {
                try writer.writeCommand(.ping, payload: [0, 0, 0, 1])
            }
        }
        try writer.flush()
        if usesReturnPath {
            try startReturnPath(main)
        }
        if session.capabilities[.multifd] {
            try connectMultiFD()
        }
    }

    /// Every channel on a socket URI; with `file:` (mapped-ram) each channel writes pages into the same file.
    private func connectMultiFD() throws {
        var connections: [SocketConnection] = []
        for _ in 0..<Int(session.parameters.multifdChannels) {
            let connection = try session.prepared?.duplicateForWriting()
                ?? SocketAddressing.connect(to: session.uri) { [session] in session.shouldStop }
            session.register(connection)
            connections.append(connection)
        }
        let mappedRAM = session.capabilities[.mappedRAM]
        let multifd = MultiFDSender(connections: connections, memory: session.host.memory,
                                    uuid: session.host.uuid,
                                    detectZeroPages: !mappedRAM && session.parameters.zeroPageDetection == .multifd,
                                    mappedRAM: mappedRAM,
                                    errors: session.errors, counters: counters, cpuTime: session.cpuTime)
        session.register(multifd)
        sender = multifd
        convergence.attach(multifd: multifd)
        try multifd.start()
    }

    private func setup() throws {
        let ram = RAMSaveState(memory: session.host.memory, counters: counters,
                               zeroDetection: session.parameters.zeroPageDetection,
                               mappedRAM: session.capabilities[.mappedRAM]) { [session] pass in
            session.events.emit(.pass(pass))
        }
        let handlers: [any SaveStateHandler] = [ram] + session.host.saveHandlers
        // QEMU's destination finds the section of a PART/END record by the id its START carried, searching all of
        // its entries, whose id is 0 until they load something: an iterable section with id 0 would reach `timer`
        // (QEMU's first entry). With a QEMU peer ids therefore start at 1, as QEMU's own RAM section has.
        let firstID = session.host.dialect.hasVMigExtras ? 0 : 1
        sections = handlers.enumerated().map { (UInt32($0.offset + firstID), $0.element) }
        let context = makeContext()
        for (id, handler) in sections where handler.isIterable {
            try writer!.writeSection(.start, id: id, handler: handler) { try handler.saveSetup(context) }
        }
        try writer!.flush()
        try checkStop()
        counters.derived.withLockedValue { $0.setupTime = HostClock.monotonicMilliseconds() - session.startTime }
        guard session.status.transition(from: .setup, to: .active) else { throw cancelledError }
    }

    /// Precopy: iterate the handlers while they have data, sync the dirty log once RAM has caught up (at most once
    /// per window), and switch over once the predicted downtime fits (see `ConvergenceController`).
    private func iterate() throws {
        convergence.start(pages: pagesSent)
        let context = makeContext()
        while true {
            try checkStop()
            let sent = try iterateHandlers(context)
            convergence.tick(pages: pagesSent, ramPending: ram.pendingEstimate()) { switchoverCosts() }
            if convergence.syncDue(ramPending: ram.pendingEstimate()) {
                if try readyForSwitchover() { return }
            } else if !sent {
                convergence.waitForNextSync()
            }
            convergence.waitForRateLimit()
        }
    }

    /// One precopy iteration over the active handlers; returns whether any of them had data pending.
    private func iterateHandlers(_ context: SaveContext) throws -> Bool {
        let pending = iterablePendingEstimate()
        // While switchover-ack is outstanding, handlers must still iterate: one may owe its INIT_DATA_SENT.
        guard pending > 0 || awaitingSwitchoverAck else { return false }
        for (id, handler) in sections where handler.isIterable && handler.isActiveIterate {
            try writer!.writeSection(.part, id: id, handler: handler) { try handler.saveIterate(context) }
        }
        try writer!.flush()
        return pending > 0
    }

    /// Syncs the dirty log (QEMU's exact pending) and asks the model whether the switchover fits now (and
    /// `switchover-ack` arrived when required).
    private func readyForSwitchover() throws -> Bool {
        let ramBytes = ram.pendingExact()
        for (_, handler) in sections where handler.isIterable && handler !== ram {
            _ = handler.pendingExact()
        }
        let fits = convergence.decide(ramBytes: ramBytes, costs: switchoverCosts())
        return fits && !awaitingSwitchoverAck
    }

    /// The RAM handler (always the first section).
    private var ram: any SaveStateHandler {
        sections[0].handler
    }

    /// What every handler but RAM still has to move at switchover.
    private func switchoverCosts() -> [SwitchoverCost] {
        sections.compactMap { $0.handler.switchoverCost() }
    }

    /// True while `switchover-ack` is on and the destination has not acknowledged yet.
    private var awaitingSwitchoverAck: Bool {
        session.capabilities[.switchoverAck] && !session.switchoverAcked.load(ordering: .acquiring)
    }

    private func complete() throws {
        stopVM()
        try enterDevicePhase()
        convergence.disableRateLimit()
        try writer!.writeCommand(.switchoverStart)
        // The destination starts its load threads on SWITCHOVER_START: send it now, not after the END sections.
        try writer!.flush()
        startSaveThreads()
        let context = makeContext()
        for (id, handler) in sections where handler.isIterable {
            try writer!.writeSection(.end, id: id, handler: handler) { try handler.saveComplete(context) }
        }
        try writer!.flush()
        try joinSaveThreads()
        var description = VMDescription(dialect: session.host.dialect, capabilities: session.capabilities)
        for (id, handler) in sections where handler.hasSaveState {
            try writer!.writeSection(.full, id: id, handler: handler) {
                let start = writer!.bytesWritten
                try handler.saveState(context)
                description.addSection(idstr: handler.idstr, instanceID: handler.instanceID,
                                       size: Int(writer!.bytesWritten - start), layout: handler.vmStateLayout)
            }
        }
        guard session.commitToDestination() else { throw cancelledError }
        try writer!.writeEOF()
        try writer!.writeVMDescription(description)
        try writer!.flush()
        if !session.uri.isSocket {
            // exec: and file: carry no RESULT: done once the command exited (exec:) or the file is written.
            finishCompletion(resumeRealtime: try finishWithoutResult())
        } else if session.host.dialect.hasVMigExtras {
            finishCompletion(resumeRealtime: try waitForResult())
        } else {
            try waitForShut()
            finishCompletion(resumeRealtime: nil)
        }
    }

    /// True when return-path messages are read: always over sockets (vmig's `RESULT`), over `exec:` and `file:`
    /// only with `return-path` (QEMU then reads the command's stdout, or fails reading the write-only file).
    private var usesReturnPath: Bool {
        session.uri.isSocket || session.capabilities[.returnPath]
    }

    /// `exec:` and `file:` have no completion handshake: the migration completes once everything is written (and
    /// an `exec:` command has consumed it and exited); the downtime ends now.
    private func finishWithoutResult() throws -> UInt64 {
        session.prepared?.command?.waitForExit(unlessCancelled: session.stop)
        try checkStop()
        return HostClock.realtimeNanoseconds()
    }

    private func stopVM() {
        session.host.stopForSwitchover()
        stopped = true
        stopRealtime = HostClock.realtimeNanoseconds()
        stopMonotonic = HostClock.monotonicNanoseconds()
        counters.markVMStopped()
    }

    /// `active` → (`pre-switchover`, wait for `migrate-continue`) → `device`.
    private func enterDevicePhase() throws {
        if session.capabilities[.pauseBeforeSwitchover] {
            // A stale migrate-continue must not skip the pause (QEMU resets its pause semaphore here too).
            while session.continueSignal.tryWait() {}
            guard session.status.transition(from: .active, to: .preSwitchover) else { throw cancelledError }
            let resumed = session.continueSignal.wait(unlessCancelled: session.stop)
            guard resumed, !session.shouldStop else { try checkStop(); throw cancelledError }
            guard session.status.transition(from: .preSwitchover, to: .device) else { throw cancelledError }
        } else {
            guard session.status.transition(from: .active, to: .device) else { throw cancelledError }
        }
    }

    /// One pool thread per handler with a `saveCompleteThread`, all started at once (`submit_immediate`).
    private func startSaveThreads() {
        let context = SaveThreadContext(pool: pool, multifd: sender)
        for (_, handler) in sections where handler.hasSaveCompleteThread {
            pool.submitImmediate { try handler.saveCompleteThread(context) }
        }
    }

    /// Waits for the save threads (a barrier: calling it again is cheap) and fails if any of them failed or the
    /// migration must stop; on the way, a stopping migration raises the pool's abort flag first.
    private func joinSaveThreads() throws {
        if session.shouldStop {
            pool.abort()
        }
        pool.wait()
        if pool.errors.hasError {
            pool.abort()
        }
        try pool.errors.check()
        try checkStop()
    }

    /// Waits for the destination's result record; returns its resume time.
    private func waitForResult() throws -> UInt64 {
        _ = session.resultSignal.wait(unlessCancelled: session.stop)
        try checkStop()
        guard case .result(true, let resume, _)? = session.result.withLockedValue({ $0 }) else {
            throw MigrationError("The destination closed the return path without reporting a result")
        }
        return resume
    }

    /// QEMU's completion (`close_return_path_on_source`): with `return-path`, the destination's `MIG_RP_MSG_SHUT`
    /// or the end of the return path; a SHUT with its error flag set fails the migration. Without it, the stream is
    /// complete once written.
    private func waitForShut() throws {
        guard session.capabilities[.returnPath] else { return }
        _ = session.resultSignal.wait(unlessCancelled: session.stop)
        try checkStop()
        if case .shut(true)? = session.result.withLockedValue({ $0 }) {
            throw MigrationError("Sibling indicated error 1")
        }
    }

    /// Ends a successful migration; the downtime runs from the stop to the destination's resume time when it
    /// reported one (vmig's `RESULT`), else to now.
    private func finishCompletion(resumeRealtime: UInt64?) {
        let localEnd = HostClock.monotonicNanoseconds()
        let upperBound = localEnd - stopMonotonic
        let resume = resumeRealtime ?? 0
        let reported = resume &- stopRealtime
        let downtime = resumeRealtime != nil && resume >= stopRealtime && reported <= upperBound ? reported : upperBound
        let total = HostClock.monotonicMilliseconds() - session.startTime
        let transferred = counters.transferred
        counters.derived.withLockedValue {
            $0.downtime = downtime / 1_000_000
            $0.totalTime = total
            // QEMU: bytes over the transfer time (total time minus setup time).
            let transferTime = total > $0.setupTime ? total - $0.setupTime : 0
            $0.mbps = transferTime > 0 ? Double(transferred) * 8 / Double(transferTime) / 1000 : 0
        }
        sender?.finish()
        completed = true
        // The host first (postmigrate), so whoever sees `completed` sees the VM's final run state too.
        session.host.outgoingCompleted()
        session.status.transition(from: .device, to: .completed)
    }

    // MARK: Pending and context

    private var setupInfo: MigrationSetupInfo {
        MigrationSetupInfo(capabilities: session.capabilities, parameters: session.parameters)
    }

    private var pagesSent: UInt64 {
        counters.normalPages.load(ordering: .relaxed) &+ counters.zeroPages.load(ordering: .relaxed)
    }

    private func iterablePendingEstimate() -> UInt64 {
        sections.filter { $0.handler.isIterable }.reduce(0) { $0 &+ $1.handler.pendingEstimate() }
    }

    private func makeContext() -> SaveContext {
        SaveContext(writer: writer!, multifd: sender, setup: setupInfo,
                    rateLimitExceeded: { [unowned self] in convergence.rateLimitExceeded },
                    joinSaveThreads: { [unowned self] in try joinSaveThreads() })
    }

    // MARK: Return path

    private func startReturnPath(_ main: SocketConnection) throws {
        returnPath = try DedicatedThread.spawn(name: "return_path", cpuTime: session.cpuTime) { [session] in
            OutgoingRunner.readReturnPath(main, session: session)
        }
    }

    private static func readReturnPath(_ connection: SocketConnection, session: OutgoingMigration) {
        defer {
            session.returnPathDone.post()
            session.resultSignal.post()
        }
        while true {
            let message: ReturnPathMessage
            do {
                message = try ReturnPathMessage.read(from: connection)
            } catch {
                if MigrationError.wrap(error) != SocketConnection.endOfFile && !session.shouldStop {
                    session.errors.record(error)
                    session.abortTransfers()
                }
                return
            }
            switch message {
            case .switchoverAck:
                session.switchoverAcked.store(true, ordering: .releasing)
            case .pong:
                continue
            case .shut:
                // QEMU's destination says it is done (flag 0) or failed (flag 1); nothing follows.
                guard !session.host.dialect.hasVMigExtras else { continue }
                session.result.withLockedValue { $0 = message }
                if case .shut(true) = message {
                    session.recordDestinationFailure(MigrationError("Sibling indicated error 1"))
                }
                return
            case .result(let completed, _, let text):
                session.result.withLockedValue { $0 = message }
                if !completed {
                    session.recordDestinationFailure(MigrationError("The destination failed: \(text)"))
                }
                return
            }
        }
    }

    // MARK: Failure and cleanup

    private var cancelledError: MigrationError {
        MigrationError("Migration cancelled")
    }

    private func checkStop() throws {
        if session.isCancelled { throw cancelledError }
        if let error = session.destinationError { throw error }
        try session.errors.check()
    }

    private func handleFailure(_ error: any Error) {
        guard !session.isCancelled else { return }
        if session.destinationError == nil && returnPath != nil {
            // The destination usually explains why our socket broke; give its message a moment to arrive.
            _ = session.returnPathDone.wait(timeout: .milliseconds(300))
        }
        let chosen = session.destinationError ?? session.errors.error ?? MigrationError.wrap(error)
        session.errors.record(chosen)
        session.setFailure(chosen)
    }

    private func teardown() {
        if !completed {
            pool.abort()
            session.abortTransfers()
        }
        pool.join()
        sender?.join()
        session.abortTransfers()
        returnPath?.join()
        session.prepared?.finish()
        session.releaseConnections()
        for (_, handler) in sections {
            handler.saveCleanup()
        }
        if stopped && !completed {
            session.host.resumeAfterFailedOutgoing()
        }
        let outcome: MigrationOutcome = completed ? .completed : session.isCancelled ? .cancelled : .failed
        for (_, handler) in sections {
            handler.migrationFinished(outcome)
        }
    }

    private func finishStatus() {
        guard !completed else { return }
        if session.isCancelled {
            session.status.transition(from: [.cancelling], to: .cancelled)
        } else {
            session.status.transition(from: [.setup, .active, .preSwitchover, .device, .waitUnplug], to: .failed)
        }
    }
}
