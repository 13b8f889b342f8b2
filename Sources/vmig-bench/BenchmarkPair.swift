import JSON
import VMigTesting

/// Benchmark runs over a ``DaemonPair``: a paused source and a waiting (`--incoming defer`) destination `vmigd`,
/// both configured for the same migration, with each daemon's CPU time measured. The daemons are stopped when
/// the pair is released.
final class BenchmarkPair {
    /// The two daemons.
    let daemons: DaemonPair
    var directory: TemporaryDirectory { daemons.directory }
    var source: DaemonProcess { daemons.source }
    var destination: DaemonProcess { daemons.destination }
    var src: QMPTestClient { daemons.src }
    var dst: QMPTestClient { daemons.dst }

    /// Starts both daemons with `memory` of RAM and the extra arguments (the source paused unless `running`), and
    /// prepares multifd on both ends.
    init(memory: String, channels: Int, sourceArguments: [String] = [], destinationArguments: [String] = [],
         running: Bool = false) throws {
        daemons = try DaemonPair(
            memory: memory, sourceArguments: (running ? [] : ["--paused"]) + sourceArguments,
            destinationArguments: destinationArguments, startTimeout: 120)
        for client in [src, dst] { try client.prepareMigration(channels: channels) }
    }

    /// The migration URI: a Unix socket in the pair's directory.
    var uri: String { daemons.unixURI() }

    /// What one migration of the pair gave: the source's final `query-migrate` and each daemon's CPU seconds
    /// (user + system) from `migrate` to completion.
    struct Outcome {
        var info: JSONValue
        var sourceCPU: Double
        var destinationCPU: Double
    }

    /// Starts the destination listening on ``uri``, migrates to it and waits for completion. A failed migration
    /// throws with the destination's `query-migrate` and the end of its log.
    func migrate(timeout: Double) throws -> Outcome {
        try startMigration()
        return try finishMigration(timeout: timeout)
    }

    private var cpuAtStart = (source: 0.0, destination: 0.0)

    /// Starts the destination listening on ``uri`` (exit-on-error off: a failed migration is reported from the
    /// destination's query-migrate) and the migration to it.
    func startMigration() throws {
        try dst.execute("migrate-incoming", ["uri": .string(uri), "exit-on-error": false])
        cpuAtStart = (ProcessCPU.seconds(of: source.pid) ?? 0, ProcessCPU.seconds(of: destination.pid) ?? 0)
        try src.execute("migrate", ["uri": .string(uri)])
    }

    /// Waits for the migration `startMigration` began to complete (`poll`, when given, sees every
    /// `query-migrate` reply on the way).
    func finishMigration(timeout: Double, poll: ((JSONValue) -> Void)? = nil) throws -> Outcome {
        let info: JSONValue
        do {
            info = try src.waitForMigrationCompleted(timeout: timeout, poll: poll)
        } catch {
            throw TestingError("\(error)\ndestination: \(failureReport())")
        }
        return Outcome(
            info: info, sourceCPU: (ProcessCPU.seconds(of: source.pid) ?? 0) - cpuAtStart.source,
            destinationCPU: (ProcessCPU.seconds(of: destination.pid) ?? 0) - cpuAtStart.destination)
    }

    /// What the destination knows about a failed migration: its `query-migrate` and the end of its log.
    private func failureReport() -> String {
        let status = (try? dst.execute("query-migrate")).map { "\($0)" } ?? "(no answer)"
        return status + "\n" + destination.logTail(lines: 20)
    }

    /// Raises an error unless RAM and every device arrived identical.
    func checkDigests() throws {
        let digests = (try src.execute("x-query-digest"), try dst.execute("x-query-digest"))
        guard digests.0 == digests.1 else { throw TestingError("digests differ after the benchmark: \(digests)") }
    }
}
