import ArgumentParser
import Glibc
import Logging
import Machine
import Migration
import Monitor
import QMP
import VFIO

/// `vmigd`: one process is one simulated VM with its QMP monitors and migration engine.
@main
struct VMigDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmigd",
        abstract: "A simulated VM with QMP monitors and a live-migration engine.",
        version: "vmigd version \(QMPMonitor.version.package.split(separator: " ").last ?? "") (QMP of QEMU \(QMPMonitor.version.major).\(QMPMonitor.version.minor).\(QMPMonitor.version.micro))")

    @Option(name: .long, help: "The VM's name, reported by query-name.")
    var name: String?

    @Option(name: .long, help: "A QMP monitor socket: unix:PATH (may repeat).")
    var qmp: [String] = []

    @Option(name: .long, help: "The machine type (QEMU's -machine): vmig, or none[,memory-backend=ID] to migrate to and from QEMU 10.0.")
    var machine = "vmig"

    @Flag(name: .long, help: "Start with the VM paused (like QEMU's -S).")
    var paused = false

    @Option(
        name: [.customShort("m"), .customLong("memory")], parsing: .unconditional,
        help: "Guest RAM size, e.g. 512M, 2G (no suffix: MiB); no more than the machine has available.")
    var memory = "1G"

    @Option(name: .long, help: "Initial RAM content: random, zero or pattern.")
    var memoryFill = "random"

    @Option(name: .long, help: "Bytes per second the guest workload dirties while the VM runs, e.g. 64M (0 = idle).")
    var dirtyRate = "0"

    @Option(name: .long, help: "Wait for an incoming migration: defer (use migrate-incoming) or a URI to listen on now.")
    var incoming: String?

    @Option(name: .long, help: "A device: vfio-pci,id=ID[,x-state-size=SIZE][,x-read-bandwidth=B/s]… (may repeat).")
    var device: [String] = []

    @Option(name: .long, help: "The VM's UUID (checked in every multifd channel hello).")
    var uuid: String?

    @Flag(name: .long, help: "Exit when the process that started vmigd exits (like QEMU's -run-with exit-with-parent=on).")
    var exitWithParent = false

    @Flag(name: .long, help: "Run in the background: return once the monitors listen (like QEMU's -daemonize).")
    var daemonize = false

    @Option(name: .customLong(Daemonizer.readyOption), help: ArgumentHelp("The descriptor a --daemonize launcher waits on.", visibility: .private))
    var readyDescriptor: Int32?

    @Option(name: .customLong("x-qmp-max-unsent"), help: ArgumentHelp("Bytes a QMP client may leave unread before it is disconnected.", visibility: .hidden))
    var qmpMaxUnsent: Int = 16 << 20

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    /// Checked at the start of `run`, not in `validate()`: ArgumentParser validates before it reports an unknown
    /// option, so a missing `--qmp` would hide a mistyped flag.
    func checkOptions() throws {
        if let problem = GuestMemoryOptions.problem(with: memory) { throw ValidationError(problem) }
        if !["random", "zero", "pattern"].contains(memoryFill) {
            throw ValidationError("--memory-fill '\(memoryFill)': expected random, zero or pattern")
        }
        if (try? VFIOValueParser.parseSize(dirtyRate, name: "dirty-rate")) == nil {
            throw ValidationError("--dirty-rate '\(dirtyRate)': expected bytes per second like 64M")
        }
        _ = try MachineSelection.parse(machine)
        if let uuid, UUIDText.bytes(uuid) == nil { throw ValidationError("--uuid '\(uuid)': not a UUID") }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level '\(logLevel)': expected trace, debug, info, notice, warning, error or critical")
        }
        if daemonize && exitWithParent {
            throw ValidationError("--daemonize and --exit-with-parent cannot be used together (the launcher exits at once)")
        }
        if qmp.isEmpty { throw ValidationError("at least one --qmp unix:PATH is required") }
        for spec in qmp where !spec.hasPrefix("unix:") || spec.count <= 5 {
            throw ValidationError("--qmp '\(spec)': expected unix:PATH")
        }
    }

    func run() async throws {
        let parent = getppid()
        if readyDescriptor != nil { Daemonizer.detachFromSession() }
        try checkOptions()
        let memoryBytes = GuestMemoryOptions.parseSize(memory) ?? 1 << 30
        if let refusal = HostMemory.refusal(forGuestRAM: memoryBytes, requested: memory) { try fail(refusal) }
        if daemonize { throw ExitCode(Daemonizer.launch(arguments: Array(CommandLine.arguments.dropFirst()).filter { $0 != "--daemonize" })) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
            return handler
        }
        let shutdown = ShutdownSignal()
        let watchers = try shutdownTriggers(parent: exitWithParent ? parent : nil, signal: shutdown)
        let monitor = QMPMonitor(configuration: QMPServer.Configuration(maxUnsentBytes: qmpMaxUnsent))
        let machine: Machine
        do {
            machine = try Machine(machineOptions(memoryBytes: memoryBytes), shutdown: shutdown, events: monitor.eventSink)
        } catch is Machine.StoppedWhileStarting {
            return  // SIGTERM, SIGINT or the parent's exit during the RAM fill: nothing listens yet, a clean stop
        } catch {
            try fail("\(error)")
        }
        try await serve(machine, on: monitor)
        withExtendedLifetime(watchers) {}
    }

    /// Opens the monitors, reports readiness to a `--daemonize` launcher, runs the machine until it is asked to
    /// shut down, then closes everything.
    private func serve(_ machine: Machine, on monitor: QMPMonitor) async throws {
        let paths = qmp.map { String($0.dropFirst(5)) }
        do {
            try await monitor.serve(machine, unixPaths: paths)
            try machine.listenFromCommandLine()
        } catch {
            await monitor.shutdown { machine.stop() }
            try fail("\(error)")
        }
        Logger(label: "vmigd").info("vmigd listening on \(paths)")
        if let readyDescriptor { Daemonizer.reportReady(on: readyDescriptor) }
        await machine.run()
        await monitor.shutdown { machine.stop() }
        if machine.exitsWithFailure { throw ExitCode(1) }
    }

    /// The VM these options describe.
    private func machineOptions(memoryBytes: Int) -> MachineOptions {
        var options = MachineOptions(memoryBytes: memoryBytes, memoryFill: MemoryFill(name: memoryFill) ?? .random(seed: 1))
        options.name = name
        if let selection = try? MachineSelection.parse(machine) {
            options.type = selection.type
            options.ramBlockName = selection.ramBlockName
        }
        options.paused = paused
        options.dirtyRate = (try? VFIOValueParser.parseSize(dirtyRate, name: "dirty-rate")) ?? 0
        options.incoming = switch incoming {
        case nil: .none
        case "defer": .deferred
        case let uri?: .uri(uri)
        }
        options.devices = device
        options.uuid = uuid.flatMap(UUIDText.bytes) ?? [UInt8](repeating: 0, count: 16)
        return options
    }

    /// SIGTERM, SIGINT and, with `--exit-with-parent`, the parent's exit all stop the daemon as `quit` does. They
    /// are installed before the RAM fill, which they stop.
    private func shutdownTriggers(parent: pid_t?, signal: ShutdownSignal) throws -> (SignalWatcher, ParentWatcher?) {
        do {
            let signals = try SignalWatcher(signals: [SIGTERM, SIGINT]) { signal.trigger() }
            let watcher = try parent.map { try ParentWatcher(parent: $0) { signal.trigger() } }
            return (signals, watcher)
        } catch {
            try fail("cannot start a watcher thread: \(error)")
        }
    }

    /// Prints `vmigd: MESSAGE` on standard error and exits with status 1.
    private func fail(_ message: String) throws -> Never {
        let line = Array("vmigd: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        throw ExitCode(1)
    }
}
