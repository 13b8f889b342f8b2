import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// The migration engine of one VM, in both roles: QEMU's migration commands as a Swift API (no JSON).
///
/// Thread-safe. Commands return quickly: the work runs on the engine's own threads, which call the
/// `MigrationHost` at run-state changes and the event handler on status changes and dirty syncs.
public final class MigrationEngine: Sendable {
    private weak let hostReference: (any MigrationHost)?
    private let incomingMode: IncomingMode
    private let capabilitiesState = NIOLockedValueBox(MigrationCapabilities())
    private let parametersState = NIOLockedValueBox(MigrationParameters())
    private let events = EventDispatcher()
    private let outgoing = NIOLockedValueBox<OutgoingMigration?>(nil)
    private let incoming = NIOLockedValueBox<IncomingMigration?>(nil)
    private let convergenceHistory = NIOLockedValueBox(ConvergenceHistory())
    private let exitOnErrorHandler = NIOLockedValueBox<(@Sendable (MigrationError) -> Void)?>(nil)

    /// Creates the engine of `host` (held weakly: the host owns the engine); `incoming` is the `--incoming` mode.
    public init(host: any MigrationHost, incoming: IncomingMode = .none) {
        hostReference = host
        incomingMode = incoming
    }

    private var host: any MigrationHost {
        get throws {
            guard let host = hostReference else { throw MigrationError("The VM is gone") }
            return host
        }
    }

    // MARK: Events

    /// Sets the callback for `MIGRATION` and `MIGRATION_PASS` events (called on engine threads, in order, only
    /// while the `events` capability is on). Hop to your own event loop inside it.
    public func setEventHandler(_ handler: (@Sendable (MigrationEvent) -> Void)?) {
        events.setHandler(handler)
    }

    // MARK: Capabilities and parameters

    /// `query-migrate-capabilities`.
    public var capabilities: MigrationCapabilities {
        capabilitiesState.withLockedValue { $0 }
    }

    /// `migrate-set-capabilities`: applies all changes or none; refused while a migration runs
    /// (`There's a migration process in progress`) and for capabilities vmig cannot honour.
    public func setCapabilities(_ changes: [(MigrationCapability, Bool)]) throws {
        guard !isMigrationRunning else { throw Self.inProgress }
        try capabilitiesState.withLockedValue { current in
            var next = current
            for (capability, state) in changes {
                next[capability] = state
            }
            try next.validate()
            current = next
            events.enabled.store(next[.events], ordering: .relaxed)
        }
    }

    /// `query-migrate-parameters`.
    public var parameters: MigrationParameters {
        parametersState.withLockedValue { $0 }
    }

    /// `migrate-set-parameters`: validates the merged result with QEMU's texts and applies it. Allowed while a
    /// migration runs, as in QEMU: `max-bandwidth`, `downtime-limit` and `avail-switchover-bandwidth` take effect
    /// at the next 100 ms window; the others at the next migration.
    public func setParameters(_ update: MigrationParameterUpdate) throws {
        try parametersState.withLockedValue { current in
            current = try current.applying(update)
        }
    }

    // MARK: Outgoing

    /// `migrate uri`: checks what QEMU checks synchronously, enters `setup` and returns; connection and transfer
    /// errors make the migration `failed` with `error-desc`.
    public func startOutgoing(uri: String) throws {
        let parsed = try MigrationURI(parsing: uri)
        let host = try host
        if incomingMode != .none && incoming.withLockedValue({ $0 })?.status.current != .completed {
            throw MigrationError("Guest is waiting for an incoming migration")
        }
        let parameters = self.parameters
        if !parameters.tlsCreds.isEmpty {
            throw MigrationError("No TLS credentials with id '\(parameters.tlsCreds)'")
        }
        let capabilities = self.capabilities
        try PreparedChannel.checkCompatible(parsed, capabilities: capabilities)
        if let current = outgoing.withLockedValue({ $0 }), current.status.current.isRunning {
            throw Self.inProgress
        }
        // exec: and file: open their channel now (a file that cannot be created fails the command, as in QEMU).
        let prepared = try PreparedChannel.outgoing(parsed)
        let session = OutgoingMigration(uri: parsed, prepared: prepared, capabilities: capabilities,
                                        parameters: parameters,
                                        liveParameters: { [weak self] in self?.parameters ?? parameters },
                                        host: host, events: events, history: convergenceHistory.withLockedValue { $0 },
                                        historySink: { [weak self] learned in
                                            self?.convergenceHistory.withLockedValue { $0 = learned }
                                        })
        let previous: OutgoingMigration?
        do {
            previous = try outgoing.withLockedValue { current in
                if let current, current.status.current.isRunning {
                    throw Self.inProgress
                }
                defer { current = session }
                return current
            }
        } catch {
            prepared?.finish()
            throw error
        }
        // The previous migration has ended; its thread may still be finishing its cleanup.
        previous?.join()
        host.outgoingStarting()
        try session.start()
    }

    /// `migrate-continue state`: leaves `pre-switchover`; QEMU's error when the status differs.
    public func continueMigration(from state: MigrationStatus) throws {
        guard let session = outgoing.withLockedValue({ $0 }) else {
            throw MigrationError("Migration not in expected state: \(MigrationStatus.none.name)")
        }
        try session.continueFromPause(expected: state)
    }

    /// `migrate_cancel`: always succeeds. A running outgoing migration goes to `cancelling` then `cancelled`
    /// (the VM runs again); an incoming one fails; otherwise nothing happens.
    public func cancel() {
        outgoing.withLockedValue { $0 }?.cancel()
        incoming.withLockedValue { $0 }?.cancel()
    }

    // MARK: Incoming

    /// What `exit-on-error` does when an incoming migration that asked for it fails: the process owning the
    /// engine exits with failure (the daemon installs this; without a handler nothing happens). Called once, on
    /// the thread that failed the migration, after the failure is recorded.
    public func setExitOnErrorHandler(_ handler: (@Sendable (MigrationError) -> Void)?) {
        exitOnErrorHandler.withLockedValue { $0 = handler }
    }

    /// `--incoming URI` at startup: listen now (`exit-on-error` is true, as for QEMU's `-incoming`).
    public func listenFromCommandLine() throws {
        guard case .uri(let uri) = incomingMode else {
            throw MigrationError("'-incoming' was not specified on the command line")
        }
        try listen(uri: uri, exitOnError: true)
    }

    /// `migrate-incoming uri` (needs `--incoming defer`). vmig allows it again after a failed or cancelled
    /// incoming migration; while one is listening or loading, or after one completed, QEMU's error. With
    /// `exitOnError` (QEMU's default) a failure of this migration calls the exit-on-error handler; without it the
    /// failure is only reported (`query-migrate`, `MIGRATION` event) and the destination may listen again.
    public func migrateIncoming(uri: String, exitOnError: Bool = true) throws {
        guard incomingMode == .deferred else {
            throw MigrationError("'-incoming' was not specified on the command line")
        }
        try listen(uri: uri, exitOnError: exitOnError)
    }

    private func listen(uri: String, exitOnError: Bool) throws {
        let parsed = try MigrationURI(parsing: uri)
        let host = try host
        try PreparedChannel.checkCompatible(parsed, capabilities: capabilities)
        let previous = try incoming.withLockedValue { current in
            if let current, !current.isFinished || current.status.current == .completed {
                throw MigrationError("The incoming migration has already been started")
            }
            let previous = current
            let source: IncomingMigration.Source
            if let prepared = try PreparedChannel.incoming(parsed) {
                source = .prepared(prepared)
            } else {
                source = .listener(try SocketListener.listen(on: parsed))
            }
            let fallback = (capabilities, parameters)
            let onFailure: @Sendable (MigrationError) -> Void = { [weak self] error in
                guard exitOnError, let handler = self?.exitOnErrorHandler.withLockedValue({ $0 }) else { return }
                handler(error)
            }
            let session = IncomingMigration(source: source, host: host, events: events, onFailure: onFailure) {
                [weak self] in
                guard let self else { return fallback }
                return (self.capabilities, self.parameters)
            }
            do {
                try session.start()
            } catch {
                source.close()
                throw error
            }
            current = session
            return previous
        }
        // The previous incoming migration failed or was cancelled; its threads are ending.
        previous?.join()
    }

    // MARK: Queries

    /// `query-migrate`: the destination part first, then the source part when an outgoing migration exists
    /// (QEMU's order); `{}` before any migration.
    public func info() -> MigrationInfo {
        var info = incoming.withLockedValue { $0 }?.info() ?? MigrationInfo()
        if let source = outgoing.withLockedValue({ $0 })?.info(), source.status != MigrationStatus.none {
            let socketAddress = info.socketAddress
            info = source
            info.socketAddress = socketAddress
        }
        return info
    }

    /// The latest outgoing migration's downtime prediction (per device included), nil before one was made.
    public var switchoverPrediction: DowntimePrediction? {
        outgoing.withLockedValue { $0 }?.prediction
    }

    /// What migrations so far taught the next one (link estimate, fixed part of the downtime).
    public var history: ConvergenceHistory {
        convergenceHistory.withLockedValue { $0 }
    }

    /// CPU seconds used by the ended threads of the latest outgoing and incoming migrations (benchmarks).
    package var cpuSeconds: (outgoing: Double, incoming: Double) {
        (outgoing.withLockedValue { $0 }?.cpuTime.seconds ?? 0, incoming.withLockedValue { $0 }?.cpuTime.seconds ?? 0)
    }

    /// Waits until every thread of the latest migrations has ended, so that `cpuSeconds` is complete; only call it
    /// once both have ended (completed, failed or cancelled). Returns false when it is still running after
    /// `timeout`.
    @discardableResult
    package func waitForThreadsToEnd(timeout: Duration = .seconds(5)) -> Bool {
        let sessions = (outgoing.withLockedValue { $0 }, incoming.withLockedValue { $0 })
        let joined = Semaphore()
        guard let joiner = try? DedicatedThread.spawn(name: "mig-join", {
            sessions.0?.join()
            sessions.1?.join()
            joined.post()
        }) else { return false }
        guard joined.wait(timeout: timeout) else {
            joiner.detach()
            return false
        }
        joiner.join()
        return true
    }

    /// Blocks until the migration thread of the latest outgoing migration has ended (tests, benchmarks).
    package func waitForOutgoing() {
        outgoing.withLockedValue { $0 }?.join()
    }

    /// Cancels any migration and waits for every thread the engine started (the owner's shutdown). Blocks: call it
    /// from a thread of your own, not from an event loop or Swift concurrency's pool.
    public func shutdown() {
        let source = outgoing.withLockedValue { $0 }
        let destination = incoming.withLockedValue { $0 }
        source?.abandon()
        destination?.cancel()
        source?.join()
        destination?.join()
    }

    private var isMigrationRunning: Bool {
        if outgoing.withLockedValue({ $0 })?.status.current.isRunning == true { return true }
        if let session = incoming.withLockedValue({ $0 }), !session.isFinished, session.status.current != .none {
            return true
        }
        return false
    }

    private static let inProgress = MigrationError("There's a migration process in progress")
}
