import ArgumentParser
import Dispatch
import Glibc
import Logging
import Monitor
import VFIO
import NIOCore
import NIOPosix
import QMP

/// `vmigd`: one process is one simulated VM with its QMP monitors and migration engine.
@main
struct VMigDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmigd",
        abstract: "A simulated VM with QMP monitors and a live-migration engine.",
        version: "vmigd version \(Daemon.version.package.split(separator: " ").last ?? "") (QMP of QEMU \(Daemon.version.major).\(Daemon.version.minor).\(Daemon.version.micro))")

    @Option(name: .long, help: "The VM's name, reported by query-name.")
    var name: String?

    @Option(name: .long, help: "A QMP monitor socket: unix:PATH (may repeat).")
    var qmp: [String] = []

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
        let options = DaemonOptions(
            name: name, qmpPaths: qmp.map { String($0.dropFirst(5)) }, paused: paused, qmpMaxUnsent: qmpMaxUnsent,
            memoryBytes: memoryBytes, memoryFill: memoryFill, dirtyRate: (try? VFIOValueParser.parseSize(dirtyRate, name: "dirty-rate")) ?? 0,
            incoming: incoming, devices: device, uuid: uuid.flatMap(UUIDText.bytes) ?? [UInt8](repeating: 0, count: 16),
            watchedParent: exitWithParent ? parent : nil)
        let daemon: Daemon
        do {
            daemon = try Daemon(options: options)
        } catch is Daemon.StoppedWhileStarting {
            return  // SIGTERM, SIGINT or the parent's exit during the RAM fill: nothing listens yet, a clean stop
        } catch {
            try fail("\(error)")
        }
        do {
            try await daemon.start()
        } catch {
            await daemon.stop()
            try fail("\(error)")
        }
        if let readyDescriptor { Daemonizer.reportReady(on: readyDescriptor) }
        await daemon.waitForShutdown()
        await daemon.stop()
        if daemon.exitsWithFailure { throw ExitCode(1) }
    }

    /// Prints `vmigd: MESSAGE` on standard error and exits with status 1.
    private func fail(_ message: String) throws -> Never {
        let line = Array("vmigd: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        throw ExitCode(1)
    }
}
