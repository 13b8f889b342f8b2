import Glibc
import JSON
import Testing
import VMigTesting

/// Two spawned `vmigd` processes set up for breaking a migration on purpose: small RAM, one small device whose
/// reads are throttled so that the device phase lasts about two seconds, multifd with two channels, events on.
/// It records what a fault must leave intact: the source's digests and, for both processes, the descriptors and
/// threads counted from /proc before the migration.
final class FaultRig: @unchecked Sendable {
    /// Where in the migration a fault strikes.
    enum Phase: String, CustomStringConvertible, Sendable {
        /// RAM precopy (`active`), throttled by `max-bandwidth`.
        case ram = "active"
        /// Stopped at `pre-switchover` (`pause-before-switchover`).
        case preSwitchover = "pre-switchover"
        /// The device state transfer (`device`), throttled by the device's read bandwidth.
        case device

        var description: String { rawValue }
    }

    static let memory = "32M"
    static let device = "vfio-pci,id=gpu0,x-state-size=6M,x-read-bandwidth=3M"
    static let channels = 2

    let directory: TemporaryDirectory
    private(set) var source: DaemonProcess
    private(set) var src: QMPTestClient
    private(set) var destination: DaemonProcess
    private(set) var dst: QMPTestClient
    private(set) var sourceDigest: JSONValue = .null
    private(set) var sourceBaseline = ProcessResources(descriptors: 0, threads: 0)
    private(set) var destinationBaseline = ProcessResources(descriptors: 0, threads: 0)
    private var generation = 0

    init() throws {
        directory = try TemporaryDirectory(prefix: "vmig-fault")
        (destination, dst) = try Self.spawn(in: directory, name: "dst", incoming: true)
        (source, src) = try Self.spawn(in: directory, name: "src", incoming: false)
        try recordSource()
        destinationBaseline = try Self.resources(destination)
    }

    deinit {
        source.terminate()
        destination.terminate()
    }

    private static func spawn(in directory: TemporaryDirectory, name: String, incoming: Bool) throws
        -> (DaemonProcess, QMPTestClient) {
        let arguments = ["-m", memory, "--device", device] + (incoming ? ["--incoming", "defer"] : [])
        let process = try DaemonProcess.vmigd(in: directory, name: name, extraArguments: arguments)
        let client = try QMPTestClient(path: process.socketPath)
        try client.execute("migrate-set-capabilities", ["capabilities": [
            ["capability": "multifd", "state": true], ["capability": "events", "state": true],
        ]])
        try client.execute("migrate-set-parameters", ["multifd-channels": .integer(channels), "max-bandwidth": 0])
        return (process, client)
    }

    private static func resources(_ process: DaemonProcess) throws -> ProcessResources {
        guard let counts = ProcessResources.of(process.pid) else { throw TestingError("process \(process.pid) is gone") }
        return counts
    }

    private func recordSource() throws {
        sourceDigest = try src.execute("x-query-digest")
        sourceBaseline = try Self.resources(source)
    }

    /// A fresh name for a replacement process.
    private func nextName(_ base: String) -> String {
        generation += 1
        return "\(base)\(generation)"
    }

    /// Replaces a killed or exited source by a new one (same command line, so the same initial content).
    func replaceSource() throws {
        source.terminate()
        (source, src) = try Self.spawn(in: directory, name: nextName("src"), incoming: false)
        try recordSource()
    }

    /// Replaces a killed or exited destination by a new one.
    func replaceDestination() throws {
        destination.terminate()
        (destination, dst) = try Self.spawn(in: directory, name: nextName("dst"), incoming: true)
        destinationBaseline = try Self.resources(destination)
    }

    /// A migration URI in the rig's directory.
    func uri(_ name: String = "mig.sock") -> String { "unix:" + directory.path + "/" + name }

    /// `migrate-incoming` on the destination with `exit-on-error` false (it is reused after a failure).
    func listen(_ uri: String) throws {
        try dst.execute("migrate-incoming", ["uri": .string(uri), "exit-on-error": false])
    }

    /// Starts a migration to `target` (the destination listens on `listenURI`) and returns once the source is in
    /// `phase` (for `.device`, once the destination has loaded some device state).
    func start(to target: String, listeningOn listenURI: String? = nil, until phase: Phase) throws {
        try listen(listenURI ?? target)
        try src.execute("migrate-set-capabilities", ["capabilities": [
            ["capability": "pause-before-switchover", "state": .bool(phase == .preSwitchover)],
        ]])
        try src.execute("migrate-set-parameters", ["max-bandwidth": .integer(phase == .ram ? 4 << 20 : 0)])
        try src.execute("migrate", ["uri": .string(target)])
        try src.waitForMigrationStatus([phase.rawValue], timeout: 60, pollMicroseconds: 5_000)
        if phase == .device {
            // Into the device state far enough that the destination wrote some of it (a packet cuts the device's
            // records, so its load stream is now in the middle of one).
            let loading = Poll.until(timeout: 20, interval: 10_000) {
                let loaded = (try? dst.execute("x-query-vfio-migration"))?.arrayValue?.first?["loaded-bytes"]
                return (loaded?.int64Value ?? 0) > 0
            }
            #expect(loading, "the destination loaded no device state")
        }
    }

    /// The source after a fault: running, its digests unchanged, QMP answering, and back to its descriptors and
    /// threads of before the migration.
    func expectSourceIntact(_ comment: Comment? = nil) throws {
        try src.waitForMigrationStatus(["cancelled", "failed"], timeout: 30, pollMicroseconds: 20_000)
        #expect(try src.execute("query-status")["status"] == "running", comment)
        #expect(try src.execute("x-query-digest") == sourceDigest, comment)
        let counts = ProcessResources.waitForBaseline(source.pid, sourceBaseline)
        #expect(counts?.isWithin(sourceBaseline) == true, "source: \(counts?.description ?? "gone") after, \(sourceBaseline) before")
    }

    /// The destination after a fault: the incoming migration failed, QMP answers, and it holds no more descriptors
    /// or threads than before it listened.
    func expectDestinationClean(_ comment: Comment? = nil) throws {
        try dst.waitForMigrationStatus(["failed"], timeout: 30, pollMicroseconds: 20_000)
        #expect(try dst.execute("query-status")["status"] == "inmigrate", comment)
        let counts = ProcessResources.waitForBaseline(destination.pid, destinationBaseline)
        #expect(counts?.isWithin(destinationBaseline) == true,
                "destination: \(counts?.description ?? "gone") after, \(destinationBaseline) before")
    }

    /// A retry at full speed directly to the destination completes with equal digests.
    func expectRetryCompletes(_ name: String = "retry.sock") throws {
        try listen(uri(name))
        try src.execute("migrate-set-capabilities", ["capabilities": [
            ["capability": "pause-before-switchover", "state": false],
        ]])
        try src.execute("migrate-set-parameters", ["max-bandwidth": 0])
        try src.execute("migrate", ["uri": .string(uri(name))])
        let info = try src.waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: 60, pollMicroseconds: 20_000)
        let destinationInfo = try dst.execute("query-migrate")
        #expect(info["status"] == "completed", "retry: \(info); destination: \(destinationInfo)")
        try dst.waitForMigrationStatus(["completed"], timeout: 30, pollMicroseconds: 20_000)
        #expect(try src.execute("x-query-digest") == dst.execute("x-query-digest"))
    }

    /// Kills the source outright and waits for it to be gone.
    func killSource() {
        source.send(signal: SIGKILL)
        _ = source.waitForExit(timeout: 10)
    }

    /// Kills the destination outright and waits for it to be gone.
    func killDestination() {
        destination.send(signal: SIGKILL)
        _ = destination.waitForExit(timeout: 10)
    }
}
