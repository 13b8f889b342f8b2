import VMigTesting

/// A paused source and a waiting (`--incoming defer`) destination `vmigd`, both configured for the same
/// migration, for one benchmark run. The daemons are stopped when the pair is released.
final class BenchmarkPair {
    let directory: TemporaryDirectory
    let source: DaemonProcess
    let destination: DaemonProcess
    let src: QMPTestClient
    let dst: QMPTestClient

    /// Starts both daemons with `memory` of RAM and the extra arguments, and prepares multifd on both ends.
    init(memory: String, channels: Int, sourceArguments: [String] = [], destinationArguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "vmig-bench")
        destination = try DaemonProcess.vmigd(
            in: directory, name: "dst", extraArguments: ["-m", memory, "--incoming", "defer"] + destinationArguments,
            timeout: 120)
        source = try DaemonProcess.vmigd(
            in: directory, name: "src", extraArguments: ["-m", memory, "--paused"] + sourceArguments, timeout: 120)
        src = try QMPTestClient(path: source.socketPath)
        dst = try QMPTestClient(path: destination.socketPath)
        for client in [src, dst] { try client.prepareMigration(channels: channels) }
    }

    deinit {
        source.terminate()
        destination.terminate()
    }

    /// The migration URI: a Unix socket in the pair's directory.
    var uri: String { "unix:" + directory.path + "/mig.sock" }

    /// Raises an error unless RAM and every device arrived identical.
    func checkDigests() throws {
        let digests = (try src.execute("x-query-digest"), try dst.execute("x-query-digest"))
        guard digests.0 == digests.1 else { throw TestingError("digests differ after the benchmark: \(digests)") }
    }
}
