import JSON
import POSIXSupport
import QMP
import Testing
import VMigTesting

/// Every client sees events in the order they were emitted, whichever threads emitted them.
@Suite struct EventOrderTests {
    /// An event handed to the client's loop by another thread, then one emitted on that loop itself while the first
    /// still waits in the loop's queue: the second must not be written first. (A handler that emits on the loop, and
    /// a migration thread emitting at the same moment, did this to one of 64 clients in CI.)
    @Test func anEventEmittedOnTheLoopQueuesBehindOneHandedOverByAnotherThread() async throws {
        let server = try await InProcessServer { hub in
            [
                QMPCommand("x-emit-two") { _ in
                    // The handler runs on the client's loop, so the loop cannot deliver "FIRST" until it returns.
                    let other = try DedicatedThread.spawn(name: "emitter") { hub.emit("FIRST") }
                    other.join()
                    hub.emit("SECOND")
                    return .emptyObject
                }
            ]
        }
        let client = try QMPClient(path: server.path)
        try client.execute("x-emit-two")
        try client.waitForEvent("SECOND", timeout: 10)
        let before = client.takeEvents().compactMap { $0["event"]?.stringValue }
        client.close()
        try await server.shutdown()
        #expect(before == ["FIRST"], "events before SECOND: \(before)")
    }
}
