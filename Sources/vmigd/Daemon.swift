import Dispatch
import Glibc
import JSON
import Logging
import Migration
import Monitor
import NIOCore
import NIOPosix
import POSIXSupport
import QMP
import VFIO

/// Wires one VM, its QMP monitors and its lifecycle (quit, SIGTERM, SIGINT, the parent's exit) together.
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
    private let signalWatcher: SignalWatcher
    private let parentWatcher: ParentWatcher?

    /// Why `init` ended early: a shutdown was asked for while the RAM was being filled.
    struct StoppedWhileStarting: Error {}

    /// Installs the shutdown triggers first, so a signal during the seconds of RAM fill stops the daemon cleanly
    /// (``StoppedWhileStarting``), then builds the VM.
    init(options: DaemonOptions) throws {
        self.options = options
        (signalWatcher, parentWatcher) = try Self.shutdownTriggers(options: options, signal: shutdownSignal)
        let schema = QAPICommandSchema()
        let events = QMPEventHub(validator: schema.eventValidator)
        self.events = events
        let memory: GuestMemory
        do {
            let shutdownSignal = self.shutdownSignal
            memory = try GuestMemory(
                size: options.memoryBytes, fill: MemoryFill(name: options.memoryFill) ?? .random(seed: 1),
                stopRequested: { shutdownSignal.isTriggered })
        } catch is GuestMemory.FillStopped {
            throw StoppedWhileStarting()
        }
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
        host = VMHost(vm: vm, memory: memory, devices: registry, uuid: options.uuid, workload: workload)
        hostBox.host = host
        engine = MigrationEngine(host: host, incoming: options.incomingMode)
        engine.setEventHandler { event in
            switch event {
            case .status(let status): events.emit("MIGRATION", data: ["status": .string(status.name)])
            case .pass(let pass): events.emit("MIGRATION_PASS", data: ["pass": .integer(pass)])
            }
        }
        let shutdownSignal = self.shutdownSignal
        // exit-on-error (QEMU's default for migrate-incoming and -incoming): a failed incoming migration ends the
        // process with failure, after the usual clean shutdown.
        engine.setExitOnErrorHandler { error in
            let message = Array("vmigd: load of migration failed: \(error.message)\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            shutdownSignal.trigger(failure: true)
        }
        let monitor = MonitorCommands(vm: vm, version: Self.version, schema: schema) {
            events.emit("SHUTDOWN", data: ["guest": false, "reason": "host-qmp-quit"])
            shutdownSignal.trigger()
        }
        let engine = self.engine
        let deviceCommands = DeviceCommands(
            devices: registry, migrationRunning: { engine.info().status?.isRunning ?? false },
            switchoverPrediction: { engine.switchoverPrediction },
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

    /// Opens every monitor socket.
    func start() async throws {
        for path in options.qmpPaths {
            try await server.listen(unixPath: path)
        }
        if case .uri = options.incomingMode {
            try engine.listenFromCommandLine()
        }
        logger.info("vmigd listening on \(options.qmpPaths)")
    }

    /// True when the daemon stops because an incoming migration failed with `exit-on-error`.
    var exitsWithFailure: Bool { shutdownSignal.isFailure }

    /// Returns once `quit`, SIGTERM, SIGINT or the parent's exit asked the daemon to stop.
    func waitForShutdown() async {
        await shutdownSignal.wait()
    }

    /// Closes the monitors (removing their socket files) and stops the threads.
    func stop() async {
        await server.shutdown()
        await Self.onOwnThread(engine.shutdown)
        workload.stop()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    /// Runs blocking `body` on a thread of its own (never on Swift concurrency's pool) and returns when it did.
    private static func onOwnThread(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            do {
                try DedicatedThread.spawn(name: "vmigd-stop") {
                    body()
                    done.resume()
                }.detach()
            } catch {
                body()
                done.resume()
            }
        }
    }

    /// SIGTERM, SIGINT and, with `--exit-with-parent`, the parent's exit all stop the daemon as `quit` does.
    private static func shutdownTriggers(
        options: DaemonOptions, signal: ShutdownSignal
    ) throws -> (SignalWatcher, ParentWatcher?) {
        do {
            let signals = try SignalWatcher(signals: [SIGTERM, SIGINT]) { signal.trigger() }
            let parent = try options.watchedParent.map { try ParentWatcher(parent: $0) { signal.trigger() } }
            return (signals, parent)
        } catch {
            throw DaemonStartError("cannot start a watcher thread: \(error)")
        }
    }
}
