import Glibc
import JSON

/// A source and a destination `vmigd`, each a real process on its own temporary QMP socket, stopped when the pair
/// is released: the spawned counterpart of the in-process `MachinePair`, for the integration tests and the
/// benchmarks.
package final class DaemonPair: @unchecked Sendable {
    /// The directory holding both sockets and logs.
    package let directory: TemporaryDirectory
    /// The source daemon.
    package let source: DaemonProcess
    /// The destination daemon.
    package let destination: DaemonProcess
    /// A client of the source's monitor.
    package let src: QMPTestClient
    /// A client of the destination's monitor.
    package let dst: QMPTestClient

    /// Starts both daemons with `memory` of RAM, each waited for up to `startTimeout` seconds; the destination
    /// waits with `--incoming defer` unless told otherwise.
    package init(
        memory: String = "64M", sourceArguments: [String] = [], destinationArguments: [String] = [],
        destinationIncoming: String = "defer", startTimeout: Double = 20
    ) throws {
        directory = try TemporaryDirectory(prefix: "vmig-pair")
        destination = try DaemonProcess.vmigd(
            in: directory, name: "dst",
            extraArguments: ["-m", memory, "--incoming", destinationIncoming] + destinationArguments,
            timeout: startTimeout)
        source = try DaemonProcess.vmigd(
            in: directory, name: "src", extraArguments: ["-m", memory] + sourceArguments, timeout: startTimeout)
        src = try QMPTestClient(path: source.socketPath)
        dst = try QMPTestClient(path: destination.socketPath)
        if TestTimeScale.factor > 1 {
            // Instrumented devices and links are that much slower, and the switchover decision sees it: the default
            // 300 ms budget is scaled with them (a test that sets its own limit overrides this).
            try src.execute("migrate-set-parameters", ["downtime-limit": .integer(UInt64(300 * TestTimeScale.factor))])
        }
    }

    deinit {
        source.terminate()
        destination.terminate()
    }

    /// A migration URI in the pair's directory.
    package func unixURI(_ name: String = "mig.sock") -> String { "unix:" + directory.path + "/" + name }

    /// Sets the same capabilities on both ends.
    package func setCapabilities(_ capabilities: [String: Bool], on clients: [QMPTestClient]? = nil) throws {
        let list: [JSONValue] = capabilities.sorted { $0.key < $1.key }.map {
            ["capability": .string($0.key), "state": .bool($0.value)]
        }
        for client in clients ?? [src, dst] {
            try client.execute("migrate-set-capabilities", ["capabilities": .array(list)])
        }
    }

    /// Sets the same parameters on both ends.
    package func setParameters(_ parameters: JSONObject, on clients: [QMPTestClient]? = nil) throws {
        for client in clients ?? [src, dst] {
            try client.execute("migrate-set-parameters", parameters)
        }
    }

    /// Starts listening on the destination and returns the URI the source should use (the real port for tcp:0).
    /// `exit-on-error` is false, so the destination stays up after a failure (tests read its status and reuse it).
    package func listen(_ uri: String, exitOnError: Bool = false) throws -> String {
        try dst.execute("migrate-incoming", ["uri": .string(uri), "exit-on-error": .bool(exitOnError)])
        guard uri.hasPrefix("tcp:") else { return uri }
        let info = try dst.execute("query-migrate")
        guard let address = info["socket-address"]?.arrayValue?.first, let port = address["port"]?.stringValue else {
            throw TestingError("no socket-address after migrate-incoming: \(info)")
        }
        let host = address["host"]?.stringValue ?? "127.0.0.1"
        return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
    }

    /// Polls `query-migrate` on `client` until its status is one of `statuses`.
    @discardableResult
    package func waitForStatus(_ client: QMPTestClient, _ statuses: Set<String>, timeout: Double = 60) throws -> JSONValue {
        try client.waitForMigrationStatus(statuses, timeout: timeout, pollMicroseconds: 20_000)
    }

    /// Runs a whole migration to `uri` and returns the source's final `query-migrate`.
    package func migrate(to uri: String, timeout: Double = 60) throws -> JSONValue {
        let target = try listen(uri)
        try src.execute("migrate", ["uri": .string(target)])
        let info = try waitForStatus(src, ["completed", "failed", "cancelled"], timeout: timeout)
        guard info["status"] == "completed" else { throw TestingError("migration did not complete: \(info)") }
        try waitForStatus(dst, ["completed"], timeout: timeout)
        return info
    }

    /// The `x-query-digest` of both ends.
    package func digests() throws -> (source: JSONValue, destination: JSONValue) {
        (try src.execute("x-query-digest"), try dst.execute("x-query-digest"))
    }
}
