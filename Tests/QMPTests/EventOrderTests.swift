import JSON
import NIOPosix
import POSIXSupport
import QMP
import Testing
import VMigTesting

/// Every client sees events in the order they were emitted, whichever threads emitted them.
@Suite struct EventOrderTests {
    /// Accepts every command without arguments to check.
    struct OpenSchema: QMPCommandSchema {
        var commandNames: [String] { ["qmp_capabilities", "x-emit-two"] }
        func validateArguments(command: String, arguments: JSONObject) throws(QMPError) -> JSONObject { arguments }
        func allowsOutOfBand(command: String) -> Bool { false }
        func introspection(implementedCommands: Set<String>) -> JSONValue { .array([]) }
    }

    /// An event handed to the client's loop by another thread, then one emitted on that loop itself while the first
    /// still waits in the loop's queue: the second must not be written first. (A handler that emits on the loop, and
    /// a migration thread emitting at the same moment, did this to one of 64 clients in CI.)
    @Test func anEventEmittedOnTheLoopQueuesBehindOneHandedOverByAnotherThread() async throws {
        let directory = try TemporaryDirectory(prefix: "vmig-event-order")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let hub = QMPEventHub()
        var table = QMPCommandTable()
        table.register(
            QMPCommand("x-emit-two") { _ in
                // The handler runs on the client's loop, so the loop cannot deliver "FIRST" until it returns.
                let other = try DedicatedThread.spawn(name: "emitter") { hub.emit("FIRST") }
                other.join()
                hub.emit("SECOND")
                return .emptyObject
            })
        let server = QMPServer(
            commands: table, schema: OpenSchema(), version: QMPVersion(major: 10, minor: 0, micro: 0, package: ""),
            events: hub, group: group, threadPool: pool)
        let path = directory.path + "/qmp.sock"
        try await server.listen(unixPath: path)

        let client = try QMPClient(path: path)
        try client.execute("x-emit-two")
        try client.waitForEvent("SECOND", timeout: 10)
        let before = client.takeEvents().compactMap { $0["event"]?.stringValue }
        client.close()
        await server.shutdown()
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
        #expect(before == ["FIRST"], "events before SECOND: \(before)")
    }
}
