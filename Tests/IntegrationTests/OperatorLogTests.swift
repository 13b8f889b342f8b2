import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// What an operator reads in vmigd's log (`--log-level info`): one line per migration phase change, and one
/// for a refused stream.
@Suite("operator log lines", .serialized)
struct OperatorLogTests {
    @Test func phaseChangesAreLogged() throws {
        let pair = try DaemonPair(sourceArguments: ["--log-level", "info"], destinationArguments: ["--log-level", "info"])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(pair.dst, ["completed"])
        let source = try waitForLog(pair.source, containing: "outgoing migration: device -> completed")
        for line in ["outgoing migration: none -> setup", "outgoing migration: setup -> active",
                     "outgoing migration: active -> device"] {
            #expect(source.contains(line), "\(source)")
        }
        let destination = try waitForLog(pair.destination, containing: "incoming migration: active -> completed")
        #expect(destination.contains("incoming migration: setup -> active"), "\(destination)")
    }

    @Test func aRefusedStreamIsLogged() throws {
        let pair = try DaemonPair(destinationArguments: ["--log-level", "info"])
        let target = try pair.listen(pair.unixURI())
        let socket = try UnixSocket(path: String(target.dropFirst("unix:".count)))
        try socket.write(Array("GET / HTTP/1.0\r\n\r\n".utf8))
        try pair.waitForStatus(pair.dst, ["failed"])
        let log = try waitForLog(pair.destination, containing: "incoming migration stream refused")
        #expect(log.contains("unknown channel magic"), "\(log)")
    }

    /// The daemon's log once it contains `text` (it is written by another process, a moment later).
    private func waitForLog(_ daemon: DaemonProcess, containing text: String) throws -> String {
        let deadline = HostClock.monotonicSeconds + 30
        while HostClock.monotonicSeconds < deadline {
            let log = daemon.logTail(lines: 200)
            if log.contains(text) { return log }
            HostClock.sleep(for: .milliseconds(50))
        }
        Issue.record("'\(text)' not in the log: \(daemon.logTail(lines: 200))")
        return daemon.logTail(lines: 200)
    }
}
