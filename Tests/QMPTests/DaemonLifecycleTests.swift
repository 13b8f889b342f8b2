import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

@Suite("vmigd lifecycle, run state and events")
struct DaemonLifecycleTests {
    @Test func socketIsMode0600() throws {
        let vm = try DaemonFixture()
        var info = stat()
        #expect(stat(vm.daemon.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func quitRepliesExitsZeroAndRemovesTheSocket() throws {
        let vm = try DaemonFixture()
        let client = try vm.client()
        #expect(try client.execute("quit") == .emptyObject)
        #expect(vm.daemon.waitForExit(timeout: 10) == 0)
        #expect(access(vm.daemon.socketPath, F_OK) != 0)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func signalsShutDownCleanly(signal: Int32) throws {
        let vm = try DaemonFixture()
        vm.daemon.send(signal: signal)
        #expect(vm.daemon.waitForExit(timeout: 10) == 0)
        #expect(access(vm.daemon.socketPath, F_OK) != 0)
    }

    @Test func staleSocketFileIsReplacedAndLiveOneRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/stale.qmp"
        // A stale socket: bound once, nobody listening any more.
        close(try UnixSocketListener.listen(at: path, backlog: 1))
        #expect(access(path, F_OK) == 0)

        let first = try DaemonProcess(arguments: ["--exit-with-parent", "--qmp", "unix:" + path], socketPath: path, logPath: directory.path + "/first.log")
        try first.waitForSocket(timeout: 20)
        _ = try QMPTestClient(path: path)

        let second = try DaemonProcess(arguments: ["--exit-with-parent", "--qmp", "unix:" + path], socketPath: path, logPath: directory.path + "/second.log")
        #expect(second.waitForExit(timeout: 20) == 1)
        #expect(second.log.contains("is in use by another running process"))
        // The first daemon still serves.
        #expect(try QMPTestClient(path: path).execute("query-status")["status"] == "running")
        first.terminate()
    }

    @Test func shutdownLeavesARegularFilePlantedAtTheSocketPath() throws {
        let vm = try DaemonFixture()
        #expect(unlink(vm.daemon.socketPath) == 0)
        let file = fopen(vm.daemon.socketPath, "w")
        fputs("planted\n", file)
        fclose(file)
        vm.daemon.send(signal: SIGTERM)
        #expect(vm.daemon.waitForExit(timeout: 10) == 0)
        #expect(TextFile.read(vm.daemon.socketPath) == "planted\n")
    }

    @Test func shutdownLeavesASecondDaemonsLiveSocket() throws {
        let first = try DaemonFixture(name: "first")
        let path = first.daemon.socketPath
        #expect(unlink(path) == 0)
        let second = try DaemonProcess(
            arguments: ["--exit-with-parent", "-m", "16M", "--qmp", "unix:" + path], socketPath: path,
            logPath: first.directory.path + "/second.log")
        try second.waitForSocket(timeout: 20)
        first.daemon.send(signal: SIGTERM)
        #expect(first.daemon.waitForExit(timeout: 10) == 0)
        #expect(try QMPTestClient(path: path).execute("query-status")["status"] == "running")
        second.terminate()
    }

    @Test func severalSocketsAndQueries() throws {
        let directory = try TemporaryDirectory()
        let a = directory.path + "/a.qmp"
        let b = directory.path + "/b.qmp"
        let vm = try DaemonProcess(
            arguments: ["--exit-with-parent", "--name", "guest-1", "--qmp", "unix:" + a, "--qmp", "unix:" + b, "--paused"], socketPath: a,
            logPath: directory.path + "/log")
        try vm.waitForSocket(timeout: 20)
        try vm.waitForSocketAt(b)
        let first = try QMPTestClient(path: a)
        let second = try QMPTestClient(path: b)
        #expect(try first.execute("query-name") == ["name": "guest-1"])
        #expect(try second.execute("query-status") == ["status": "prelaunch", "running": false])
        let names = try first.execute("query-commands").arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        for expected in ["qmp_capabilities", "query-version", "query-commands", "query-name", "query-status", "stop", "cont", "quit", "query-qmp-schema"] {
            #expect(names.contains(expected), "\(expected) missing from query-commands")
        }
        try second.execute("cont")
        #expect(try first.execute("query-status") == ["status": "running", "running": true])
        vm.terminate()
    }

    @Test func stopAndContEventsReachEveryNegotiatedClientButNotUnnegotiatedOnes() throws {
        let vm = try DaemonFixture()
        let clients = try (0..<4).map { _ in try vm.client() }
        let unnegotiated = try RawExchange(path: vm.daemon.socketPath)
        _ = try unnegotiated.readLines(1)
        try clients[0].execute("stop")
        try clients[0].execute("stop")  // already stopped: no second event
        #expect(try clients[1].execute("query-status") == ["status": "paused", "running": false])
        try clients[2].execute("cont")
        for client in clients {
            let stop = try client.waitForEvent("STOP")
            let resume = try client.waitForEvent("RESUME")
            #expect(stop["timestamp"]?["seconds"]?.int64Value ?? 0 > 1_700_000_000)
            #expect(stop["timestamp"]?["microseconds"]?.int64Value != nil)
            #expect(resume["data"] == nil)
            #expect(!client.events.contains { $0["event"] == "STOP" })
        }
        // The client that never negotiated received nothing but its greeting.
        #expect(throws: (any Error).self) { try unnegotiated.readLines(1, timeout: 0.3) }
    }

    @Test func clientThatStopsReadingIsDisconnectedWithoutStallingOthers() throws {
        let vm = try DaemonFixture(arguments: ["--x-qmp-max-unsent", "65536"])
        let stalled = try vm.client()
        let active = try vm.client()
        let watcher = try vm.client()
        var rounds = 0
        // Keep generating events until the stalled client is cut off (bounded loop).
        while rounds < 20_000 {
            try active.execute("stop")
            try active.execute("cont")
            _ = watcher.takeEvents()
            rounds += 1
            if rounds % 500 == 0, try Self.isClosed(stalled.socket) { break }
        }
        #expect(try Self.isClosed(stalled.socket), "stalled client still connected after \(rounds) rounds")
        try active.execute("stop")
        #expect(try watcher.waitForEvent("STOP", timeout: 10)["event"] == "STOP")
    }

    /// Drains whatever is readable; true once the peer has closed.
    private static func isClosed(_ socket: UnixSocket) throws -> Bool {
        while true {
            var descriptor = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 0) == 0 { return false }
            if try socket.read(timeout: 1, max: 1 << 20).isEmpty { return true }
        }
    }
}

extension DaemonProcess {
    /// Waits for a second socket of the same daemon.
    func waitForSocketAt(_ path: String, timeout: Double = 10) throws {
        let deadline = HostClock.monotonicSeconds + timeout
        while HostClock.monotonicSeconds < deadline {
            if UnixSocket.canConnect(path) { return }
            usleep(10_000)
        }
        throw TestingError("no socket at \(path)")
    }
}
