import HMP
import JSON
import Testing

@Suite("info migrate, info migrate_capabilities, info migrate_parameters, info vfio: QEMU 10.0's layouts")
struct MigrationInfoTests {
    private static let globals = """
        globals:
        store-global-state: on
        only-migratable: off
        send-configuration: on
        send-section-footer: on
        send-switchover-start: on
        clear-bitmap-shift: 18

        """

    @Test func completedMigration() throws {
        #expect(try FakeQMPCaller().run("info migrate").text == Self.globals + """
            Migration status: completed
            total time: 1212 ms
            downtime: 35 ms
            setup: 4 ms
            transferred ram: 1058 kbytes
            throughput: 7.15 mbps
            remaining ram: 0 kbytes
            total ram: 1048576 kbytes
            duplicate: 261632 pages
            normal: 512 pages
            normal bytes: 2048 kbytes
            dirty sync count: 2
            page size: 4 kbytes
            multifd bytes: 2052 kbytes
            pages-per-second: 215040
            precopy ram: 1058 kbytes
            vfio device transferred: 262144 kbytes

            """)
    }

    @Test func activeMigrationShowsExpectedDowntimeAndDirtyRate() throws {
        let server = FakeQMPCaller()
        server.replies["query-migrate"] = CannedReplies.activeMigration
        let text = try server.run("info migrate").text
        #expect(text.contains("Migration status: active\ntotal time: 812 ms\nexpected downtime: 120 ms\nsetup: 3 ms\n"))
        #expect(text.contains("throughput: 5289.33 mbps\n"))
        #expect(text.contains("dirty pages rate: 16384 pages\n"))
        #expect(text.hasSuffix("precopy ram: 524288 kbytes\nvfio device transferred: 0 kbytes\n"))
    }

    @Test func beforeAnyMigrationOnlyGlobals() throws {
        let server = FakeQMPCaller()
        server.replies["query-migrate"] = .emptyObject
        #expect(try server.run("info migrate").text == Self.globals)
    }

    @Test func failedMigrationShowsTheError() throws {
        let server = FakeQMPCaller()
        server.replies["query-migrate"] = ["status": "failed", "error-desc": "Unable to write to socket: Broken pipe", "total-time": 17]
        #expect(try server.run("info migrate").text == Self.globals + """
            Migration status: failed (Unable to write to socket: Broken pipe)
            total time: 17 ms

            """)
    }

    @Test func destinationShowsSocketAddressesAndBlockers() throws {
        let server = FakeQMPCaller()
        server.replies["query-migrate"] = [
            "blocked-reasons": ["device gpu0 is not migratable"], "status": "setup",
            "socket-address": [["type": "inet", "host": "127.0.0.1", "port": "4444"], ["type": "unix", "path": "/tmp/m.sock"]],
        ]
        #expect(try server.run("info migrate").text == Self.globals + """
            Outgoing migration blocked:
              device gpu0 is not migratable
            Migration status: setup
            total time: 0 ms
            socket address: [
            \ttcp:127.0.0.1:4444
            \tunix:/tmp/m.sock
            ]

            """)
    }

    @Test func capabilities() throws {
        let text = try FakeQMPCaller().run("info migrate_capabilities").text
        let lines = text.split(separator: "\n")
        #expect(lines.count == 22)
        #expect(lines.first == "xbzrle: off")
        #expect(lines.contains("events: on"))
        #expect(lines.contains("multifd: on"))
        #expect(lines.last == "mapped-ram: off")
    }

    @Test func parametersWithDefaults() throws {
        #expect(try FakeQMPCaller().run("info migrate_parameters").text == """
            announce-initial: 50 ms
            announce-max: 550 ms
            announce-rounds: 5
            announce-step: 100 ms
            throttle-trigger-threshold: 50
            cpu-throttle-initial: 20
            cpu-throttle-increment: 10
            cpu-throttle-tailslow: off
            max-cpu-throttle: 99
            tls-creds: ''
            tls-hostname: ''
            max-bandwidth: 134217728 bytes/second
            avail-switchover-bandwidth: 0 bytes/second
            downtime-limit: 300 ms
            x-checkpoint-delay: 20000 ms
            multifd-channels: 2
            multifd-compression: none
            zero-page-detection: multifd
            xbzrle-cache-size: 67108864 bytes
            max-postcopy-bandwidth: 0
            tls-authz: ''
            x-vcpu-dirty-limit-period: 1000 ms
            vcpu-dirty-limit: 1 MB/s
            mode: normal

            """)
    }

    @Test func vfioDevices() throws {
        #expect(try FakeQMPCaller().run("info vfio").text == """
            vfio device gpu0 (/machine/peripheral/gpu0):
              device state: stop-copy
              transfer mode: multifd
              phase: stop-copy
              state size: 262144 kbytes
              stream size: 263680 kbytes
              read: 131072 kbytes
              sent: 131073 kbytes
              received: 0 kbytes
              queued: 0 kbytes (0 buffers)
              loaded: 0 kbytes
              progress: 49%

            """)
    }

    /// A destination does not know the stream size while it loads; once loaded, it is the bytes loaded.
    @Test func vfioDeviceOnTheDestination() throws {
        let server = FakeQMPCaller()
        server.replies["x-query-vfio-migration"] = [Self.destinationDevice(phase: "resuming", loaded: 64 << 20, streamSize: 0)]
        let loading = try server.run("info vfio").text
        #expect(loading.contains("  stream size: unknown\n"), "\(loading)")
        #expect(loading.hasSuffix("  loaded: 65536 kbytes\n  progress: unknown\n"), "\(loading)")
        server.replies["x-query-vfio-migration"] = [
            Self.destinationDevice(phase: "completed", loaded: 270_008_320, streamSize: 270_008_320)
        ]
        let loaded = try server.run("info vfio").text
        #expect(loaded.contains("  stream size: 263680 kbytes\n"), "\(loaded)")
        #expect(loaded.hasSuffix("  progress: 100%\n"), "\(loaded)")
    }

    private static func destinationDevice(phase: String, loaded: UInt64, streamSize: UInt64) -> JSONValue {
        [
            "id": "gpu0", "qom-path": "/machine/peripheral/gpu0", "device-state": "resuming", "mode": "multifd",
            "phase": .string(phase), "read-bytes": 0, "sent-bytes": 0, "received-bytes": .integer(loaded),
            "queued-bytes": 0, "loaded-bytes": .integer(loaded), "queued-buffers": 0, "state-size": 268_435_456,
            "stream-size": .integer(streamSize),
        ]
    }

    @Test func noVFIODevices() throws {
        let server = FakeQMPCaller()
        server.replies["x-query-vfio-migration"] = []
        #expect(try server.run("info vfio").text == "No VFIO devices\n")
    }
}
