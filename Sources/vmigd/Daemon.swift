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
    private let signalWatcher = Mutex<SignalWatcher?>(nil)
    private let parentWatcher = Mutex<ParentWatcher?>(nil)

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

    /// Installs the signal handlers (and the parent watch), then opens every monitor socket.
    func start() async throws {
        try installShutdownTriggers()
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
        engine.cancel()
        workload.stop()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    /// SIGTERM, SIGINT and, with `--exit-with-parent`, the parent's exit all stop the daemon as `quit` does.
    private func installShutdownTriggers() throws {
        do {
            let watcher = try SignalWatcher(signals: [SIGTERM, SIGINT]) { [shutdownSignal] in shutdownSignal.trigger() }
            signalWatcher.withLock { $0 = watcher }
            if let parent = options.watchedParent {
                let parentWatcher = try ParentWatcher(parent: parent) { [shutdownSignal] in shutdownSignal.trigger() }
                self.parentWatcher.withLock { $0 = parentWatcher }
            }
        } catch {
            throw DaemonStartError("cannot start a watcher thread: \(error)")
        }
    }
}
