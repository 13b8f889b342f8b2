import Dispatch
import Glibc
import JSON
import Logging
import Monitor
import NIOCore
import NIOPosix
import QMP
import Synchronization

/// What `vmigd` was started with.
struct DaemonOptions: Sendable {
    var name: String?
    var qmpPaths: [String]
    var paused: Bool
    var qmpMaxUnsent: Int
}

/// Wires one VM, its QMP monitors and its lifecycle (quit, SIGTERM, SIGINT) together.
final class Daemon: Sendable {
    static let version = QMPVersion(major: 10, minor: 0, micro: 0, package: "vmig 0.1.0")

    private let options: DaemonOptions
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let threadPool = NIOThreadPool(numberOfThreads: 2)
    private let events: QMPEventHub
    private let logger = Logger(label: "vmigd")
    private let vm: VirtualMachine
    private let server: QMPServer
    private let shutdownSignal = ShutdownSignal()
    private let signalWatcher = Mutex<SignalWatcher?>(nil)

    init(options: DaemonOptions) {
        self.options = options
        let schema = QAPICommandSchema()
        let events = QMPEventHub(validator: schema.eventValidator)
        self.events = events
        vm = VirtualMachine(name: options.name, initialState: options.paused ? .prelaunch : .running) { name in
            events.emit(name)
        }
        let shutdownSignal = self.shutdownSignal
        let monitor = MonitorCommands(vm: vm, version: Self.version, schema: schema) {
            events.emit("SHUTDOWN", data: ["guest": false, "reason": "host-qmp-quit"])
            shutdownSignal.trigger()
        }
        let table = CommandTableBuilder.build(monitor: monitor)
        threadPool.start()
        server = QMPServer(
            commands: table, schema: schema, version: Self.version, events: events, group: group,
            threadPool: threadPool, configuration: QMPServer.Configuration(maxUnsentBytes: options.qmpMaxUnsent),
            logger: Logger(label: "vmig.qmp"))
    }

    /// Opens every monitor socket and installs the signal handlers.
    func start() async throws {
        installSignalHandlers()
        for path in options.qmpPaths {
            try await server.listen(unixPath: path)
        }
        logger.info("vmigd listening on \(options.qmpPaths)")
    }

    /// Returns once `quit`, SIGTERM or SIGINT asked the daemon to stop.
    func waitForShutdown() async {
        await shutdownSignal.wait()
    }

    /// Closes the monitors (removing their socket files) and stops the threads.
    func stop() async {
        await server.shutdown()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    private func installSignalHandlers() {
        let watcher = SignalWatcher(signals: [SIGTERM, SIGINT], action: shutdownSignal.trigger)
        signalWatcher.withLock { $0 = watcher }
    }
}

/// Turns SIGTERM/SIGINT into a call of `action` on a Dispatch queue (the default handlers are disabled).
final class SignalWatcher: @unchecked Sendable {
    /// Only touched in `init`; kept so the sources stay alive.
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], action: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }
}

/// A one-shot latch that async code can wait on and any thread can trigger.
final class ShutdownSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func trigger() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
