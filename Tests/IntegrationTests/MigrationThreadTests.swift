import Testing
import VMigTesting

/// The migration thread of every ended migration is joined: before, each one kept its 8 MiB stack mapped for the
/// life of the daemon (ThreadSanitizer's "thread leak"), so a long-lived source grew with every migration.
@Suite("Migration threads of ended migrations")
struct MigrationThreadTests {
    @Test func endedMigrationsLeaveNoThreadStackBehind() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-stack")
        let source = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: ["-m", "16M"])
        defer { source.terminate() }
        let client = try QMPTestClient(path: source.socketPath)
        // Nobody listens there: each migration starts its thread, fails in it, and ends.
        let failOnce = {
            try client.execute("migrate", ["uri": .string("unix:" + directory.path + "/nobody.sock")])
            _ = try client.waitForMigrationStatus(["failed"], timeout: 30)
        }
        for _ in 0..<2 { try failOnce() }
        let before = try #require(ProcessMemory.virtualBytes(of: source.pid))
        for _ in 0..<8 { try failOnce() }
        let after = try #require(ProcessMemory.virtualBytes(of: source.pid))
        // Eight leaked stacks would be 64 MiB.
        #expect(after - before < 16 << 20, "VmSize grew by \(after - before) bytes over 8 ended migrations")
    }
}
