import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// One incoming migration (the destination role): the listener, channel identification (QEMU peeks the first
/// four bytes: "QEVM" is the main channel, 0x11223344 a multifd channel), status, errors and the return path.
/// The main stream itself is parsed by `IncomingLoader` on the main channel's thread.
///
/// Threads: the accept thread and one thread per connection belong to `threads`, the load threads to `pool`;
/// `join()` waits for all of them once the session has ended.
final class IncomingMigration: Sendable {
    /// Where the stream comes from: connections to a listening socket, or the one channel of `exec:` / `file:`.
    enum Source: Sendable {
        case listener(SocketListener)
        case prepared(PreparedChannel)

        /// Stops listening, or ends the prepared channel (closes it, stops and reaps a command).
        func close() {
            switch self {
            case .listener(let listener): listener.close()
            case .prepared(let channel): channel.finish()
            }
        }
    }

    let source: Source
    let host: any MigrationHost
    let status: StatusCell
    let settings: @Sendable () -> (MigrationCapabilities, MigrationParameters)
    let errors = ErrorSlot()
    let cpuTime = CPUTimeAccumulator()
    let pool: ThreadPool
    /// Called once when the migration fails (after the failure is recorded and reported).
    private let onFailure: @Sendable (MigrationError) -> Void

    private let finishedFlag = Atomic<Bool>(false)
    private let mainClaimed = Atomic<Bool>(false)
    private let mainConnection = NIOLockedValueBox<SocketConnection?>(nil)
    private let connections = NIOLockedValueBox<[SocketConnection]>([])
    private let receiverSlot = NIOLockedValueBox<MultiFDReceiver?>(nil)
    /// 0 = configuration not read yet, 1 = checked and accepted, 2 = failed.
    private let configurationState = Atomic<UInt8>(0)
    /// Posted once `configurationState` left 0; each waiter posts it again for the next (a turnstile).
    private let configurationDecided = Semaphore()
    private let threads = ThreadGroup()
    private let failure = NIOLockedValueBox<MigrationError?>(nil)
    private let returnPathLock = NIOLockedValueBox(())
    /// Over sockets vmig always answers on the reverse direction; over `exec:` only once the source opened the
    /// return path (`MIG_CMD_OPEN_RETURN_PATH`: the command's stdin then carries it); a file has none.
    private let returnPathWritable: Atomic<Bool>
    private let acksPending = NIOLockedValueBox(0)
    /// The source sent `MIG_CMD_OPEN_RETURN_PATH` (QEMU's destination answers on the return path only then).
    private let sourceOpenedReturnPath = Atomic<Bool>(false)

    init(source: Source, host: any MigrationHost, events: EventDispatcher,
         onFailure: @escaping @Sendable (MigrationError) -> Void = { _ in },
         settings: @escaping @Sendable () -> (MigrationCapabilities, MigrationParameters)) {
        self.source = source
        if case .listener = source {
            returnPathWritable = Atomic(true)
        } else {
            returnPathWritable = Atomic(false)
        }
        self.onFailure = onFailure
        self.host = host
        self.settings = settings
        status = StatusCell(.none, events: events, role: "incoming")
        pool = ThreadPool(maxThreads: 1, name: "load-thread", cpuTime: cpuTime)
    }

    /// Most connections one incoming migration accepts: the main channel, 255 multifd channels and a few spare
    /// (anything beyond is a broken or hostile peer, refused before it costs a thread).
    static let maxConnections = 1 + 255 + 4

    /// Starts accepting connections.
    func start() throws {
        switch source {
        case .listener(let listener):
            try threads.spawn(name: "mig-accept", cpuTime: cpuTime) { [self] in
                acceptLoop(listener)
            }
        case .prepared(let channel):
            mainClaimed.store(true, ordering: .releasing)
            let connection = channel.connection
            connections.withLockedValue { $0.append(connection) }
            try threads.spawn(name: "mig-channel", cpuTime: cpuTime) { [self] in
                runPrepared(channel)
            }
        }
    }

    /// `exec:` / `file:`: the one channel is the main channel (QEMU does not look at its first bytes); the command
    /// is reaped once loading has ended (given a moment to exit on its own after a success).
    private func runPrepared(_ channel: PreparedChannel) {
        mainConnection.withLockedValue { $0 = channel.connection }
        IncomingLoader(session: self, connection: channel.connection, prefix: []).run()
        drop(channel.connection)
        channel.finish(grace: status.current == .completed ? .seconds(1) : .zero)
    }

    /// The loader saw `MIG_CMD_OPEN_RETURN_PATH`: in QEMU's dialect the destination now ends with
    /// `MIG_RP_MSG_SHUT`, and over `exec:` the command's stdin now carries the return path.
    func openReturnPath() {
        sourceOpenedReturnPath.store(true, ordering: .releasing)
        if case .prepared(let channel) = source, channel.command != nil {
            returnPathWritable.store(true, ordering: .releasing)
        }
    }

    /// Waits for every thread of this session (call once it has ended: failed, completed or cancelled).
    func join() {
        threads.join()
        pool.join()
    }

    var isFinished: Bool {
        finishedFlag.load(ordering: .acquiring)
    }

    /// True when loading must stop.
    var shouldStop: Bool {
        isFinished || errors.hasError || pool.errors.hasError
    }

    // MARK: Connections

    /// Accepts until the listener is closed, then closes its descriptor. Each connection belongs to the thread
    /// started for it, which closes it when it ends; `connections` holds the open ones (for shutting them down and
    /// for the limit, so peers that went away free their places).
    private func acceptLoop(_ listener: SocketListener) {
        while let connection = try? listener.accept() {
            guard !isFinished else {
                connection.close()
                continue
            }
            let count = connections.withLockedValue { list -> Int in
                list.append(connection)
                return list.count
            }
            guard count <= Self.maxConnections else {
                migrationLog.warning("incoming migration: refused a connection beyond \(Self.maxConnections)")
                fail(MigrationError("Too many migration connections (more than \(Self.maxConnections))"))
                drop(connection)
                continue
            }
            do {
                try threads.spawn(name: "mig-channel", cpuTime: cpuTime) { [self] in
                    identify(connection)
                    drop(connection)
                }
            } catch {
                fail(error)
                drop(connection)
            }
        }
        listener.release()
    }

    /// Closes a connection whose thread is done with it (under the lock `closeChannels` shuts connections down
    /// with, so that never reaches a closed descriptor).
    private func drop(_ connection: SocketConnection) {
        if mainConnection.withLockedValue({ $0 === connection }) {
            returnPathLock.withLockedValue { _ in mainConnection.withLockedValue { $0 = nil } }
        }
        connections.withLockedValue { list in
            list.removeAll { $0 === connection }
            connection.close()
        }
    }

    /// Reads the first four bytes and hands the connection to the main loader or the multifd receiver.
    private func identify(_ connection: SocketConnection) {
        guard let magic = try? connection.read(count: 4) else { return }
        let value = magic.withUnsafeBytes { $0.baseAddress!.loadBE32(at: 0) }
        switch value {
        case QEVM.magic:
            guard !mainClaimed.exchange(true, ordering: .acquiringAndReleasing) else {
                fail(MigrationError("Received a second main migration channel"))
                return
            }
            mainConnection.withLockedValue { $0 = connection }
            IncomingLoader(session: self, connection: connection, prefix: magic).run()
        case MultiFDWire.magic:
            runMultiFD(connection, prefix: magic)
        default:
            fail(MigrationError("unknown channel magic: \(hex(value))"))
        }
    }

    private func runMultiFD(_ connection: SocketConnection, prefix: [UInt8]) {
        do {
            let hello = try MultiFDHello.decode(prefix + connection.read(count: MultiFDWire.helloSize - 4))
            configurationDecided.wait()
            configurationDecided.post()
            guard configurationState.load(ordering: .acquiring) == 1, !isFinished else { return }
            // A connection that said hello and went away (nothing more to read) before the migration could use it
            // takes no channel id.
            guard !connection.isAtEndOfFile() else { return }
            guard let receiver = receiverSlot.withLockedValue({ $0 }) else {
                throw MigrationError("Received a multifd channel but the multifd capability is off")
            }
            let channel = try receiver.register(hello: hello, connection: connection)
            receiver.run(channel)
        } catch {
            fail(error)
        }
    }

    /// Accepts the source's configuration once every handler is set up: installs the multifd receiver and releases
    /// the channels waiting to receive.
    func configurationAccepted(receiver: MultiFDReceiver?) {
        receiverSlot.withLockedValue { slot in
            // A session that failed meanwhile stays failed (and keeps no receiver).
            guard configurationState.load(ordering: .acquiring) == 0 else { return }
            slot = receiver
            configurationState.store(1, ordering: .releasing)
        }
        configurationDecided.post()
    }

    var receiver: MultiFDReceiver? {
        receiverSlot.withLockedValue { $0 }
    }

    /// True when the source closed the main channel (used while waiting on multifd barriers).
    var mainPeerClosed: Bool {
        mainConnection.withLockedValue { $0 }?.peerHasClosed() ?? false
    }

    // MARK: Return path

    /// Writes one return-path message; failures are ignored (the source may be gone).
    func sendReturnPath(_ message: ReturnPathMessage) {
        guard returnPathWritable.load(ordering: .acquiring) else { return }
        returnPathLock.withLockedValue { _ in
            guard let connection = mainConnection.withLockedValue({ $0 }) else { return }
            try? connection.writeAll(message.encode())
        }
    }

    /// QEMU's answer to `MIG_CMD_PING`: `MIG_RP_MSG_PONG` with the same value; a PING before the return path was
    /// opened fails with QEMU's text.
    func sendPong(_ value: UInt32) throws {
        guard sourceOpenedReturnPath.load(ordering: .acquiring) else {
            throw MigrationError("CMD_PING (0x\(hex(value))) received with no return path")
        }
        sendReturnPath(.pong(value))
    }

        /// The destination's last word on the return path: vmig's `RESULT` between two vmigd (always sent), QEMU's
    /// `MIG_RP_MSG_SHUT` (error flag set on failure) to a QEMU source that opened the return path.
    private func sendOutcome(completed: Bool, resume: UInt64, message: String) {
        if host.dialect.hasVMigExtras {
            sendReturnPath(.result(completed: completed, resumeRealtimeNanoseconds: resume, message: message))
        } else if sourceOpenedReturnPath.load(ordering: .acquiring) {
            sendReturnPath(.shut(error: !completed))
        }
    }

    /// Sets how many handlers must approve before `SWITCHOVER_ACK` is sent; sends it at once when none.
    func expectSwitchoverAcks(_ count: Int) {
        acksPending.withLockedValue { $0 = count }
        if count == 0 {
            sendReturnPath(.switchoverAck)
        }
    }

    /// One handler approved switchover; the last one sends `SWITCHOVER_ACK`.
    func approveSwitchover() {
        let send = acksPending.withLockedValue { pending -> Bool in
            guard pending > 0 else { return false }
            pending -= 1
            return pending == 0
        }
        if send {
            sendReturnPath(.switchoverAck)
        }
    }

    // MARK: End

    /// Success: marks the session finished (later channel errors are ignored), resumes the VM through the host,
    /// reports `completed` and the resume time to the source, and stops the channels.
    func complete() {
        finishedFlag.store(true, ordering: .releasing)
        host.incomingCompleted()
        let resume = HostClock.realtimeNanoseconds()
        status.transition(from: .active, to: .completed)
        sendOutcome(completed: true, resume: resume, message: "")
        closeChannels()
    }

    /// Failure from any thread (first error wins): `failed`, the reason to the source, channels stopped.
    func fail(_ error: any Error) {
        guard !isFinished, errors.record(error) else { return }
        let wrapped = MigrationError.wrap(error)
        failure.withLockedValue { $0 = wrapped }
        finishedFlag.store(true, ordering: .releasing)
        // Before the source's configuration was accepted the stream itself was refused.
        let refused = configurationState.exchange(2, ordering: .acquiringAndReleasing) != 1
        migrationLog.error("incoming migration \(refused ? "stream refused" : "failed"): \(wrapped.message)")
        configurationDecided.post()
        pool.abort()
        // The listener goes before `failed` is visible: whoever sees it may listen on the same path at once. An
        // `exec:` command is reaped before then too, so that no child is left once the failure shows.
        switch source {
        case .listener(let listener): listener.close()
        case .prepared(let channel): channel.command?.stop()
        }
        status.transition(from: [.none, .setup, .active], to: .failed)
        sendOutcome(completed: false, resume: 0, message: wrapped.message)
        closeChannels()
        host.incomingFailed(wrapped)
        onFailure(wrapped)
    }

    /// `migrate_cancel` on the destination: a session still waiting for its source just stops listening;
    /// one that is loading fails.
    /// The claim on the main channel decides which: taken here first, no loader will start (a main channel that
    /// arrives later is refused); taken by a loader already, that loader's migration fails.
    func cancel() {
        if mainClaimed.exchange(true, ordering: .acquiringAndReleasing) {
            fail(MigrationError("Migration cancelled"))
        } else if !finishedFlag.exchange(true, ordering: .acquiringAndReleasing) {
            configurationState.store(2, ordering: .releasing)
            configurationDecided.post()
            closeChannels()
        }
    }

    /// Stops listening and wakes every channel thread; each then closes its own connection. The receiver is let go
    /// (it refers back to this session through its failure handler).
    private func closeChannels() {
        if case .listener(let listener) = source {
            listener.close()
        }
        let receiver = receiverSlot.withLockedValue { slot in
            defer { slot = nil }
            return slot
        }
        receiver?.terminate()
        connections.withLockedValue { list in
            for connection in list { connection.shutdown() }
        }
    }

    // MARK: query-migrate

    /// The destination part of `query-migrate` (QEMU's `fill_destination_migration_info`).
    func info() -> MigrationInfo {
        var info = MigrationInfo()
        if !isFinished, case .listener(let listener) = source {
            info.socketAddress = [listener.address]
        }
        let current = status.current
        if current != .none {
            info.status = current
        }
        if current == .failed {
            info.errorDesc = failure.withLockedValue { $0 }?.message
        }
        return info
    }
}
