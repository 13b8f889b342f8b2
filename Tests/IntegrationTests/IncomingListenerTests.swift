import Glibc
import JSON
import Migration
import POSIXSupport
import Testing
import VMigTesting

/// The destination's migration listener against what else may reach it: files already at its path, other users,
/// idle and stray connections, a backlog nobody drains; and what it leaves open afterwards.
@Suite("The incoming migration listener of a vmigd process", .serialized, .timeLimit(.minutes(3)))
struct IncomingListenerTests {
    private static let small = "32M"

    private func descriptors(_ process: DaemonProcess) throws -> ProcessResources {
        guard let counts = ProcessResources.of(process.pid) else { throw TestingError("\(process.pid) is gone") }
        return counts
    }

    private func expectBackToBaseline(_ process: DaemonProcess, _ baseline: ProcessResources, _ what: String) {
        let counts = ProcessResources.waitForBaseline(process.pid, baseline)
        #expect(counts?.isWithin(baseline) == true, "\(what): \(counts?.description ?? "gone") after, \(baseline) before")
    }

    /// A migration at full speed to `uri` completes with equal digests.
    private func expectNextMigrationCompletes(_ pair: DaemonPair, to uri: String? = nil) throws {
        try pair.setParameters(["max-bandwidth": 0])
        _ = try pair.migrate(to: uri ?? pair.unixURI())
        #expect(try pair.src.execute("x-query-digest") == pair.dst.execute("x-query-digest"))
    }

    /// Connects to a Unix socket path without blocking on a full backlog; nil when that fails.
    private func rawConnect(_ path: String) -> Int32? {
        guard let address = try? UnixSocketAddress(path: path) else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0, address.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            if fd >= 0 { close(fd) }
            return nil
        }
        return fd
    }

    // MARK: Descriptors (defect 2)

    /// Completed, failed and cancelled incoming migrations with 4 multifd channels, over Unix and TCP: each one
    /// leaves the destination with the descriptors and threads it had before it listened.
    @Test(arguments: ["unix", "tcp"])
    func everyOutcomeClosesTheListenerAndTheChannels(transport: String) throws {
        let pair = try DaemonPair(memory: Self.small)
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4, "max-bandwidth": 0])
        let uri = transport == "unix" ? pair.unixURI() : "tcp:127.0.0.1:0"
        let baseline = try descriptors(pair.destination)
        for attempt in 0..<3 {
            try pair.src.execute("migrate-set-parameters", ["max-bandwidth": .integer(4 << 20)])
            try pair.src.execute("migrate", ["uri": .string(try pair.listen(uri))])
            try pair.waitForStatus(pair.src, ["active"])
            #expect(Poll.until(timeout: 10) { (try? descriptors(pair.destination).descriptors) ?? 0 >= baseline.descriptors + 5 })
            if attempt == 0 {
                try pair.dst.execute("migrate_cancel")
            } else {
                try pair.src.execute("migrate_cancel")
            }
            try pair.waitForStatus(pair.dst, ["failed"])
            try pair.waitForStatus(pair.src, ["cancelled", "failed"])
            expectBackToBaseline(pair.destination, baseline, "\(transport) attempt \(attempt)")
        }
        try pair.src.execute("migrate-set-parameters", ["max-bandwidth": 0])
        _ = try pair.migrate(to: uri)
        expectBackToBaseline(pair.destination, baseline, "\(transport) completed")
        #expect(try pair.src.execute("x-query-digest") == pair.dst.execute("x-query-digest"))
    }

    /// 300 idle connections fail the pending migration (more than 260); once the peers closed them the
    /// destination holds nothing more than before and takes the next migration.
    @Test func idleConnectionsBeyondTheLimitLeaveNothingOpen() throws {
        let pair = try DaemonPair(memory: Self.small)
        let baseline = try descriptors(pair.destination)
        let path = pair.directory.path + "/idle.sock"
        _ = try pair.listen("unix:" + path)
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        // The backlog is 64: a refused connect is retried once the daemon accepted some.
        let deadline = HostClock.monotonicSeconds + 30
        while idle.count < 300 && HostClock.monotonicSeconds < deadline && access(path, F_OK) == 0 {
            if let fd = rawConnect(path) { idle.append(fd) } else { usleep(2_000) }
        }
        let info = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(info["error-desc"] == "Too many migration connections (more than 260)")
        idle.forEach { close($0) }
        idle = []
        expectBackToBaseline(pair.destination, baseline, "after 300 idle connections")
        try expectNextMigrationCompletes(pair)
    }

    // MARK: What is at the path (defect 5)

    @Test func migrateIncomingRefusesALiveSocketAndANonSocket() throws {
        let pair = try DaemonPair(memory: Self.small)
        // The daemon's own QMP socket: refused, and the monitor stays reachable.
        let own = pair.destination.socketPath
        let (_, ownError) = try pair.dst.expectError("migrate-incoming", ["uri": .string("unix:" + own), "exit-on-error": false])
        #expect(ownError == "Failed to bind socket to \(own): Address already in use")
        #expect(try QMPTestClient(path: own).execute("query-status")["status"] == "inmigrate")
        // Another daemon's live socket.
        let other = pair.source.socketPath
        let (_, otherError) = try pair.dst.expectError("migrate-incoming", ["uri": .string("unix:" + other), "exit-on-error": false])
        #expect(otherError == "Failed to bind socket to \(other): Address already in use")
        #expect(try QMPTestClient(path: other).execute("query-status")["status"] == "running")
        // A regular file is left as it is.
        let file = pair.directory.path + "/notes.txt"
        let fd = open(file, O_CREAT | O_WRONLY, 0o644)
        _ = write(fd, "keep", 4)
        close(fd)
        let (_, fileError) = try pair.dst.expectError("migrate-incoming", ["uri": .string("unix:" + file), "exit-on-error": false])
        #expect(fileError == "Failed to bind socket to \(file): Address already in use")
        #expect(try TemporaryDirectory.read(file) == "keep")
        // A stale socket file (nobody accepts) is replaced, and the migration then works.
        let stale = pair.directory.path + "/stale.sock"
        close(try UnixSocketListener.listen(at: stale, backlog: 1))
        try expectNextMigrationCompletes(pair, to: "unix:" + stale)
    }

    // MARK: Who may connect (defect 7)

    /// Under umask 000 the incoming socket is still 0600 (owner only), like the QMP socket.
    @Test func incomingSocketIsOwnerOnlyUnderAnyUmask() throws {
        let previous = umask(0)
        let pair: DaemonPair
        do {
            pair = try DaemonPair(memory: Self.small)
            umask(previous)
        } catch {
            umask(previous)
            throw error
        }
        let path = pair.directory.path + "/mig.sock"
        _ = try pair.listen("unix:" + path)
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
    }

    /// A connection that says a multifd hello for channel 0 and closes before the migration starts takes no
    /// channel id: the real migration completes.
    @Test func strayHelloThatClosesTakesNoChannel() throws {
        let pair = try DaemonPair(memory: Self.small)
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 2, "max-bandwidth": 0])
        let path = pair.directory.path + "/mig.sock"
        _ = try pair.listen("unix:" + path)
        let stray = try UnixSocketConnector.connect(to: path)
        try PacketSocket.write(stray, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0).encode())
        close(stray)
        usleep(100_000)
        try pair.src.execute("migrate", ["uri": .string("unix:" + path)])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed"])
        let destination = try pair.dst.execute("query-migrate")
        #expect(info["status"] == "completed", "\(info); destination \(destination)")
        #expect(try pair.src.execute("x-query-digest") == pair.dst.execute("x-query-digest"))
    }

    // MARK: Cancelling a connect (defect 6, the fault matrix's cancel in `setup`)

    /// A Unix listener whose backlog is full and that never accepts: the source's connect waits in `setup`, and
    /// `migrate_cancel` ends it promptly; the source keeps running and migrates afterwards.
    @Test func cancelInterruptsAConnectToAFullBacklog() throws {
        let pair = try DaemonPair(memory: Self.small)
        let full = pair.directory.path + "/full.sock"
        let listener = try UnixSocketListener.listen(at: full, backlog: 0)
        defer { close(listener) }
        var fillers: [Int32] = []
        defer { fillers.forEach { close($0) } }
        while fillers.count < 16, let fd = rawConnect(full) { fillers.append(fd) }
        let baseline = try descriptors(pair.source)
        let digest = try pair.src.execute("x-query-digest")
        try pair.src.execute("migrate", ["uri": .string("unix:" + full)])
        try pair.waitForStatus(pair.src, ["setup"])
        usleep(300_000)
        #expect(try pair.src.execute("query-migrate")["status"] == "setup")
        let started = HostClock.monotonicSeconds
        try pair.src.execute("migrate_cancel")
        try pair.waitForStatus(pair.src, ["cancelled", "failed"], timeout: 20)
        #expect(HostClock.monotonicSeconds - started < 5)
        #expect(try pair.src.execute("query-status")["status"] == "running")
        #expect(try pair.src.execute("x-query-digest") == digest)
        expectBackToBaseline(pair.source, baseline, "source")
        try expectNextMigrationCompletes(pair)
    }

    // MARK: exit-on-error (defect 9)

    /// QEMU's default: a failed incoming migration ends the destination process with failure.
    @Test func exitOnErrorByDefaultEndsTheDestinationWithFailure() throws {
        let pair = try DaemonPair(memory: Self.small)
        let path = pair.directory.path + "/mig.sock"
        try pair.dst.execute("migrate-incoming", ["uri": .string("unix:" + path)])
        let garbage = try UnixSocketConnector.connect(to: path)
        defer { close(garbage) }
        try PacketSocket.write(garbage, Array("GARBAGE!".utf8))
        let status = pair.destination.waitForExit(timeout: 20)
        #expect(status == 1, "exit status \(status.map(String.init) ?? "none: still running")")
        #expect(pair.destination.log.contains("load of migration failed: unknown channel magic: 47415242"), "\(pair.destination.log)")
    }

    /// `exit-on-error: false`: the failure is reported, the process stays and listens again.
    @Test func exitOnErrorFalseKeepsTheDestination() throws {
        let pair = try DaemonPair(memory: Self.small)
        let path = pair.directory.path + "/garbage.sock"
        try pair.dst.execute("migrate-incoming", ["uri": .string("unix:" + path), "exit-on-error": false])
        let garbage = try UnixSocketConnector.connect(to: path)
        defer { close(garbage) }
        try PacketSocket.write(garbage, Array("GARBAGE!".utf8))
        let info = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(info["error-desc"] == "unknown channel magic: 47415242")
        usleep(300_000)
        #expect(pair.destination.poll() == nil)
        try expectNextMigrationCompletes(pair)
    }
}
