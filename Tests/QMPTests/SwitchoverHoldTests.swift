import Glibc
import JSON
import POSIXSupport
import QMP
import Testing
import VMigTesting

/// While a switchover runs, commands other than those steering the migration wait (as QEMU's monitor waits for its
/// big lock), and the hold never outlasts its bound.
@Suite struct SwitchoverHoldTests {
    private static func server() async throws -> InProcessServer {
        try await InProcessServer { _ in
            [QMPCommand("query-status") { _ in ["status": "x"] }, QMPCommand("query-migrate") { _ in .emptyObject }]
        }
    }

    /// Whether `client` has a message to read within `milliseconds`.
    private static func hasInput(_ client: QMPClient, within milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: client.socket.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    @Test func heldCommandsRunWhenTheSwitchoverEndsWhileMigrationCommandsRunAtOnce() async throws {
        let server = try await Self.server()
        let watcher = try QMPClient(path: server.path)
        let other = try QMPClient(path: server.path)
        server.server.switchoverBegan()
        try other.socket.write(Array(#"{"execute": "query-status", "id": 1}"#.utf8))
        // query-migrate watches the migration: answered during the hold.
        #expect(try watcher.send(["execute": "query-migrate", "id": 2])["id"] == 2)
        #expect(!Self.hasInput(other, within: 300), "query-status was answered during the switchover")
        server.server.switchoverEnded()
        #expect(try other.readReply()["id"] == 1)
        // Once released, nothing waits.
        #expect(try other.send(["execute": "query-status", "id": 3])["id"] == 3)
        watcher.close()
        other.close()
        try await server.shutdown()
    }

    @Test func aSwitchoverThatNeverEndsHoldsCommandsForAtMostTheBound() async throws {
        let server = try await Self.server()
        let client = try QMPClient(path: server.path)
        server.server.switchoverBegan()
        let start = HostClock.monotonicSeconds
        #expect(try client.send(["execute": "query-status", "id": 1])["id"] == 1)
        let waited = HostClock.monotonicSeconds - start
        #expect(waited >= 0.9, "answered after \(waited) s, before the hold's bound")
        #expect(try client.send(["execute": "query-status", "id": 2])["id"] == 2)
        client.close()
        try await server.shutdown()
    }
}
