import Foundation
import JSON
import POSIXSupport
import VMigTesting

/// A migration between two `vmigd` recorded by a `vmig tap` process between them: one file per channel
/// (`channel-N.mig` in the pair's directory), the main channel first.
final class TappedMigration: @unchecked Sendable {
    let pair: DaemonPair
    /// The source's final `query-migrate`.
    let info: JSONValue
    /// The recorded channels, main channel first.
    let files: [String]

    /// Migrates with `channels` multifd channels (0: main channel only) through a tap and waits for all channel files.
    init(devices: [String], channels: Int, memory: String = "64M", capabilities: [String: Bool] = [:]) throws {
        let arguments = devices.flatMap { ["--device", $0] }
        pair = try DaemonPair(memory: memory, sourceArguments: arguments, destinationArguments: arguments)
        if channels > 0 {
            try pair.setCapabilities(["multifd": true])
            try pair.setParameters(["multifd-channels": .integer(channels)])
        }
        if !capabilities.isEmpty {
            try pair.setCapabilities(capabilities)
        }
        try pair.setParameters(["max-bandwidth": 0])
        let directory = pair.directory.path
        let tap = try DaemonProcess(
            binary: "vmig",
            arguments: ["tap", "--listen", directory + "/tap.sock", "--connect", directory + "/mig.sock", "--dir", directory,
                        "--exit-after", String(channels + 1)],
            socketPath: directory + "/tap.sock", logPath: directory + "/tap.log")
        defer { tap.terminate() }
        _ = try pair.listen(pair.unixURI("mig.sock"))
        // Not tap.waitForSocket: its probe connection would be a recorded channel. The socket file appears at bind,
        // before the tap listens; its line says it does.
        let deadline = HostClock.monotonicSeconds + TestTimeScale.scaled(20)
        while !tap.log.contains("vmig tap: listening on") {
            guard HostClock.monotonicSeconds < deadline, tap.poll() == nil else { throw TestingError("vmig tap did not listen: \(tap.log)") }
            usleep(10_000)
        }
        try pair.src.execute("migrate", ["uri": .string("unix:" + directory + "/tap.sock")])
        info = try pair.waitForStatus(pair.src, ["completed", "failed", "cancelled"])
        guard info["status"] == "completed" else { throw TestingError("migration did not complete: \(info)") }
        try pair.waitForStatus(pair.dst, ["completed"])
        guard tap.waitForExit(timeout: 30) == 0 else { throw TestingError("vmig tap did not exit 0: \(tap.log)") }
        files = (0...channels).map { directory + "/channel-\($0).mig" }
    }

    /// A file in the pair's directory.
    func path(_ name: String) -> String { pair.directory.path + "/" + name }
}

/// Byte-level edits of capture files.
enum CaptureFile {
    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
