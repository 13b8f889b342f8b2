import Dispatch
import Glibc
import JSON
import Logging
import Migration
import Monitor
import NIOCore
import NIOPosix
import QMP
import Synchronization
import VFIO

/// Wires one VM, its QMP monitors and its lifecycle (quit, SIGTERM, SIGINT) together.
final class Daemon: Sendable {
    static let version = QMPVersion(major: 10, minor: 0, micro: 0, package: "vmig 0.1.0")

    private let options: DaemonOptions
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let threadPool = NIOThreadPool(numberOfThreads: 2)
    private let events: QMPEventHub
    private let logger = Logger(label: "vmigd")
    private let vm: VirtualMachine
    private let host: VMHost
    private let workload: GuestWorkload
    private let engine: MigrationEngine
    private let server: QMPServer
    private let shutdownSignal = ShutdownSignal()
    private let signalWatcher = Mutex<SignalWatcher?>(nil)

    init(options: DaemonOptions) throws {
        self.options = options
        let schema = QAPICommandSchema()
        let events = QMPEventHub(validator: schema.eventValidator)
        self.events = events
        let memory = try GuestMemory(
            size: options.memoryBytes, fill: MemoryFill(name: options.memoryFill) ?? .random(seed: 1))
        let workload = GuestWorkload(memory: memory, bytesPerSecond: options.dirtyRate)
        self.workload = workload
        let initialState: RunState = options.incoming != nil ? .inmigrate : options.paused ? .prelaunch : .running
        let registry = VFIODeviceRegistry()
        let hostBox = HostReference()
        vm = VirtualMachine(
            name: options.name, initialState: initialState,
            guestRunning: { state in
                if state == .running { workload.resume() } else { workload.pause() }
                hostBox.host?.devicesFollow(state)
            },
            emit: { name in events.emit(name) })
        if options.paused { vm.autostart = false }
        host = VMHost(vm: vm, memory: memory, devices: registry, uuid: options.uuid)
        hostBox.host = host
        engine = MigrationEngine(host: host, incoming: options.incomingMode)
        engine.setEventHandler { event in
            switch event {
            case .status(let status): events.emit("MIGRATION", data: ["status": .string(status.name)])
            case .pass(let pass): events.emit("MIGRATION_PASS", data: ["pass": .integer(pass)])
            }
        }
        let shutdownSignal = self.shutdownSignal
        let monitor = MonitorCommands(vm: vm, version: Self.version, schema: schema) {
            events.emit("SHUTDOWN", data: ["guest": false, "reason": "host-qmp-quit"])
            shutdownSignal.trigger()
        }
        let engine = self.engine
        let deviceCommands = DeviceCommands(
            devices: registry, migrationRunning: { engine.info().status?.isRunning ?? false },
            events: { name, data in events.emit(name, data: data) })
        for spec in options.devices {
            let device = try registry.add(commandLine: spec)
            deviceCommands.attach(device)
        }
        if initialState == .running { host.devicesFollow(.running) }
        let table = CommandTableBuilder.build(
            monitor: monitor, migration: MigrationCommands(engine: engine, host: host), devices: deviceCommands)
        threadPool.start()
        server = QMPServer(
            commands: table, schema: schema, version: Self.version, events: events, group: group,
            threadPool: threadPool, configuration: QMPServer.Configuration(maxUnsentBytes: options.qmpMaxUnsent),
            logger: Logger(label: "vmig.qmp"))
        if initialState != .running { workload.pause() }
        try workload.start()
    }

    /// Opens every monitor socket and installs the signal handlers.
    func start() async throws {
        installSignalHandlers()
        for path in options.qmpPaths {
            try await server.listen(unixPath: path)
        }
        if case .uri = options.incomingMode {
            try engine.listenFromCommandLine()
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
        engine.cancel()
        workload.stop()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    private func installSignalHandlers() {
        let watcher = SignalWatcher(signals: [SIGTERM, SIGINT], action: shutdownSignal.trigger)
        signalWatcher.withLock { $0 = watcher }
    }
}

/// Turns SIGTERM/SIGINT into a call of `action` on a thread of its own.
///
/// The handlers are installed with `signal(2)` before the monitors listen, so a signal sent as soon as a socket
/// accepts is never lost. (A Dispatch signal source arms itself asynchronously after `resume()`; with the default
/// action set to `SIG_IGN` first, a signal arriving in between was dropped.) The handler only posts a semaphore,
/// which is async-signal-safe; the thread waiting on it runs `action` once per signal.
final class SignalWatcher: Sendable {
    init(signals: [Int32], action: @escaping @Sendable () -> Void) {
        _ = caughtSignals  // initialised here, never first inside the handler
        let waiter = Unmanaged.passRetained(SignalAction(action)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            Unmanaged<SignalAction>.fromOpaque(argument!).takeRetainedValue().run()
        }, waiter)
        precondition(created == 0, "cannot start the signal thread: \(created)")
        pthread_detach(thread)
        for number in signals {
            signal(number) { _ in sem_post(caughtSignals) }
        }
    }
}

/// The semaphore the signal handler posts (a process-wide global: a C signal handler cannot capture context).
nonisolated(unsafe) private let caughtSignals: UnsafeMutablePointer<sem_t> = {
    let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(semaphore, 0, 0)
    return semaphore
}()

/// The body of the signal thread: one `action` per posted signal, forever.
private final class SignalAction: Sendable {
    private let action: @Sendable () -> Void

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = action
    }

    func run() -> Never {
        while true {
            if sem_wait(caughtSignals) == 0 { action() }
        }
    }
}

/// Lets the VM's run-state callback reach the host created after it.
final class HostReference: Sendable {
    private let storage = Mutex<VMHost?>(nil)

    var host: VMHost? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
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
