import Glibc
import JSON
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Testing
import VMigTesting

@Suite("vmig migrate without -d: progress, summary, integrity check, Ctrl-C (against scripted QMP servers)")
struct MigrationWatchTests {
    private let directory: TemporaryDirectory
    private let vmig: VMigProcess

    init() throws {
        directory = try TemporaryDirectory(prefix: "vmig-watch")
        vmig = VMigProcess(directory: directory)
    }

    private static let digest: JSONValue = ["ram": "00112233445566778899aabbccddeeff", "devices": [["id": "gpu0", "digest": "42"]]]

    /// A source whose query-migrate is empty for `emptyPolls` polls, active for `activePolls`, then `final`.
    private func source(
        emptyPolls: Int = 0, activePolls: Int, final: JSONValue, digest: JSONValue = digest
    ) throws -> ScriptedQMPServer {
        let polls = NIOLockedValueBox(0)
        return try ScriptedQMPServer(path: directory.path + "/src.qmp") { command, _ in
            switch command {
            case "migrate": return .success(.emptyObject)
            case "query-migrate":
                let count = polls.withLockedValue { count -> Int in
                    count += 1
                    return count
                }
                if count <= emptyPolls { return .success(.emptyObject) }
                return .success(count <= emptyPolls + activePolls ? CannedReplies.activeMigration : final)
            case "x-query-vfio-migration": return .success([CannedReplies.gpuSaving])
            case "x-query-digest": return .success(digest)
            default: return .failure(.init(errorClass: "CommandNotFound", desc: "The command \(command) has not been found"))
            }
        }
    }

    private func destination(running: Bool = false) throws -> ScriptedQMPServer {
        try ScriptedQMPServer(path: directory.path + "/dst.qmp") { command, _ in
            switch command {
            case "query-status": return .success(["running": .bool(running), "status": running ? "running" : "paused"])
            case "x-query-digest": return .success(Self.digest)
            case "stop", "cont": return .success(.emptyObject)
            default: return .failure(.init(errorClass: "CommandNotFound", desc: "The command \(command) has not been found"))
            }
        }
    }

    @Test func completedMigrationWithMatchingDigests() throws {
        let src = try source(activePolls: 3, final: CannedReplies.completedMigration)
        let dst = try destination(running: true)
        defer { src.stop(); dst.stop() }
        let output = try vmig.run(["-s", src.path, "--dest-socket", dst.path, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("status: active  time: 812 ms  expected downtime: 120 ms  dirty syncs: 3\nRAM   ["))
        #expect(output.stdout.contains("gpu0  [###########.............]  49%   128.0 MiB / 257.5 MiB  "))
        #expect(output.stdout.contains("""
            Migration completed
              total time:   1212 ms (setup 4 ms)
              downtime:     35 ms

            """))
        #expect(output.stdout.hasSuffix(
            "  integrity:    OK: RAM and 1 device digest identical on source and destination (ram 0011223344556677…)\n"))
        #expect(src.commands.first == "migrate")
        #expect(src.commands.contains("x-query-digest"))
        #expect(dst.commands == ["query-status", "stop", "x-query-digest", "cont"])
    }

    @Test func digestMismatchFails() throws {
        let src = try source(activePolls: 0, final: CannedReplies.completedMigration, digest: ["ram": "ff", "devices": [["id": "gpu0", "digest": "42"]]])
        let dst = try destination()
        defer { src.stop(); dst.stop() }
        let output = try vmig.run(["-s", src.path, "--dest-socket", dst.path, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 1)
        #expect(output.stdout.hasSuffix("  integrity:    MISMATCH: ram\n"))
        #expect(dst.commands == ["query-status", "x-query-digest"])
    }

    @Test func withoutDestinationTheCheckIsSkipped() throws {
        let src = try source(activePolls: 0, final: CannedReplies.completedMigration)
        defer { src.stop() }
        let output = try vmig.run(["-s", src.path, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 0)
        #expect(output.stdout.hasSuffix("  integrity:    not checked (give --dest-socket to compare digests)\n"))
    }

    @Test func aMistypedDestinationSocketStopsVmigBeforeTheMigration() throws {
        let src = try source(activePolls: 0, final: CannedReplies.completedMigration)
        defer { src.stop() }
        let missing = directory.path + "/dts.qmp"
        let output = try vmig.run(["-s", src.path, "--dest-socket", missing, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 2)
        #expect(output.stderr == "vmig: --dest-socket: cannot connect to \(missing): No such file or directory\n")
        #expect(!src.commands.contains("migrate"))
    }

    @Test func anIntegrityCheckThatCouldNotRunFails() throws {
        let src = try source(activePolls: 0, final: CannedReplies.completedMigration)
        let dst = try ScriptedQMPServer(path: directory.path + "/dst.qmp") { command, _ in
            command == "query-status"
                ? .success(["running": false, "status": "paused"])
                : .failure(.init(errorClass: "GenericError", desc: "no digest here"))
        }
        defer { src.stop(); dst.stop() }
        let output = try vmig.run(["-s", src.path, "--dest-socket", dst.path, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 1)
        #expect(output.stdout.hasSuffix("  integrity:    not checked (GenericError: no digest here)\n"), "\(output.stdout)")
    }

    @Test func aMigrationThatShowsUpLateIsWaitedFor() throws {
        let src = try source(emptyPolls: 3, activePolls: 1, final: CannedReplies.completedMigration)
        defer { src.stop() }
        let output = try vmig.run(["-s", src.path, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("Migration completed\n"))
    }

    @Test func failedMigrationExitsOne() throws {
        let src = try source(activePolls: 1, final: ["status": "failed", "error-desc": "Connection reset by peer"])
        defer { src.stop() }
        let output = try vmig.run(["-s", src.path, "migrate", "unix:/tmp/mig.sock"])
        #expect(output.status == 1)
        #expect(output.stdout.hasSuffix("""
            status: failed  time: 812 ms  dirty syncs: 3
            RAM   [##################......]  75%     768.0 MiB / 1.0 GiB              sent 512.0 MiB
            gpu0  [###########.............]  49%   128.0 MiB / 257.5 MiB              stop-copy (multifd)

            Migration failed: Connection reset by peer
              figures:      as last reported while the migration ran
              total time:   812 ms (setup 3 ms)
              throughput:   630.5 MiB/s (5289.3 mbps)
              transferred:  512.0 MiB on all channels, 512.0 MiB of it over multifd
              RAM:          512.0 MiB sent for 1.0 GiB of guest RAM (precopy 512.0 MiB; 131072 normal, 1000 zero pages), 3 dirty syncs
              VFIO:         0 B transferred
              gpu0:         128.0 MiB of 257.5 MiB device data read (256.0 MiB state, multifd)

            """))
    }

    @Test func detachedMigrateReturnsAtOnce() throws {
        let src = try source(activePolls: 1000, final: CannedReplies.completedMigration)
        defer { src.stop() }
        #expect(try vmig.run(["-s", src.path, "migrate", "-d", "unix:/tmp/mig.sock"]) == .init(status: 0, stdout: "", stderr: ""))
        #expect(src.commands == ["migrate"])
    }

    @Test func ctrlCCancelsTheMigration() throws {
        let cancelled = NIOLockedValueBox(false)
        let src = try ScriptedQMPServer(path: directory.path + "/src.qmp") { command, _ in
            switch command {
            case "migrate": return .success(.emptyObject)
            case "migrate_cancel":
                cancelled.withLockedValue { $0 = true }
                return .success(.emptyObject)
            case "query-migrate":
                return .success(cancelled.withLockedValue { $0 } ? ["status": "cancelled"] : CannedReplies.activeMigration)
            case "x-query-vfio-migration": return .success([])
            default: return .failure(.init(errorClass: "CommandNotFound", desc: "The command \(command) has not been found"))
            }
        }
        defer { src.stop() }
        let run = try vmig.start(["-s", src.path, "migrate", "unix:/tmp/mig.sock"], inputPath: "/dev/null", name: "cancel")
        let deadline = HostClock.monotonicSeconds + 20
        while HostClock.monotonicSeconds < deadline, !src.commands.contains("query-migrate") { usleep(10_000) }
        run.send(signal: SIGINT)
        #expect(run.waitForExit(timeout: 20) == 1)
        #expect(src.commands.contains("migrate_cancel"))
        let stdout = try TemporaryDirectory.read(directory.path + "/cancel.out")
        #expect(stdout.contains("Cancelling the migration (Ctrl-C again to stop waiting)...\n"))
        #expect(stdout.contains("\nstatus: cancelled  time: 812 ms  dirty syncs: 3\nRAM   [##################......]  75%"))
        #expect(stdout.contains("Migration cancelled\n  figures:      as last reported while the migration ran\n  total time:   812 ms (setup 3 ms)\n"))
        #expect(stdout.contains("  RAM:          512.0 MiB sent for 1.0 GiB of guest RAM"))
    }
}
