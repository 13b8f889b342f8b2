import ArgumentParser
import HMP
import QEMUFormats
import QMPClient

/// `vmig demo`: a live migration between two vmigd on temporary sockets, with progress and a digest check.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Migrate a VM with dirtied RAM and three VFIO devices between two vmigd, with live progress.",
        discussion: """
            Starts a destination and a source vmigd on temporary sockets, enables multifd on both, migrates with \
            live progress (RAM and one bar per device), prints the summary with the digest comparison of source \
            and destination, and shuts both down. Sizes take K, M, G, T suffixes (powers of 1024).
            """)

    @Option(help: "Guest RAM.")
    var memory = "1G"

    @Option(help: "State sizes of the VFIO devices, comma-separated (empty for none).")
    var devices = "512M,256M,64M"

    @Option(help: "Multifd channels.")
    var channels = 4

    @Flag(name: .customLong("no-multifd"), help: "Migrate over the main channel only, to compare.")
    var noMultiFD = false

    @Option(name: .customLong("dirty-rate"), help: "Bytes per second the source's workload dirties.")
    var dirtyRate = "64M"

    @Option(name: .customLong("device-bandwidth"), help: "Simulated read and write speed of each device, per second.")
    var deviceBandwidth = "2G"

    @Option(name: .customLong("max-bandwidth"), help: "The migration's max-bandwidth parameter, per second.")
    var maxBandwidth = "16G"

    @Option(help: "The vmigd binary (default: the one next to vmig).")
    var vmigd: String?

    @Flag(name: .customLong("dry-run"), help: "Print the command lines and HMP commands instead of running them.")
    var dryRun = false

    func validate() throws {
        _ = try settings()
        if !(1...255).contains(channels) { throw ValidationError("--channels must be between 1 and 255") }
    }

    func run() throws {
        let binary = vmigd ?? ExecutableLocator.sibling("vmigd")
        if dryRun {
            Console.out(DemoPlan(settings: try settings(), vmigd: binary, directory: "/tmp/vmig-demo.XXXXXX").script)
            return
        }
        guard ExecutableLocator.isExecutable(binary) else {
            throw ValidationError("no vmigd at \(binary): build it (swift build --product vmigd) or pass --vmigd")
        }
        do {
            let scratch = try ScratchDirectory()
            let plan = DemoPlan(settings: try settings(), vmigd: binary, directory: scratch.path)
            if try !DemoRunner(plan: plan, scratch: scratch).run() { throw ExitCode(1) }
        } catch let error as DemoError {
            Console.error("vmig demo: \(error)\n")
            throw ExitCode(1)
        } catch let error as QMPClientError {
            Console.error("vmig demo: \(error)\n")
            throw ExitCode(2)
        }
    }

    private func settings() throws -> DemoSettings {
        DemoSettings(
            memory: try Self.size(memory, option: "memory"),
            deviceSizes: try devices.split(separator: ",").map { try Self.size(String($0), option: "devices") },
            channels: channels, multifd: !noMultiFD, dirtyRate: try Self.size(dirtyRate, option: "dirty-rate"),
            deviceBandwidth: try Self.size(deviceBandwidth, option: "device-bandwidth"),
            maxBandwidth: try Self.size(maxBandwidth, option: "max-bandwidth"))
    }

    private static func size(_ text: String, option: String) throws -> UInt64 {
        guard let bytes = try? QEMUNumberParser.size(text) else {
            throw ValidationError("--\(option): '\(text)' is not a size (e.g. 512M, 1G)")
        }
        return bytes
    }
}
