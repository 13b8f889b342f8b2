import HMP
import JSON
import Testing

@Suite("Live progress lines, the summary and the digest comparison")
struct MigrationProgressTests {
    /// A source device: `read` bytes of a `stream`-byte data stream (the canned 256 MiB state's by default).
    private static func device(
        _ id: String, read: UInt64, stream: UInt64 = 270_008_320, state: String = "stop-copy", phase: String = "stop-copy"
    ) -> JSONValue {
        [
            "id": .string(id), "qom-path": .string("/machine/peripheral/\(id)"), "device-state": .string(state),
            "mode": "multifd", "phase": .string(phase), "read-bytes": .integer(read), "sent-bytes": .integer(read + read / 87_381),
            "received-bytes": 0, "queued-bytes": 0, "loaded-bytes": 0, "queued-buffers": 0, "state-size": 268_435_456,
            "stream-size": .integer(stream),
        ]
    }

    @Test func bars() {
        #expect(MigrationProgressRenderer.bar(0) == "[........................]")
        #expect(MigrationProgressRenderer.bar(0.5) == "[############............]")
        #expect(MigrationProgressRenderer.bar(1.7) == "[########################]")
    }

    @Test func progressLinesWithRates() {
        let earlier = MigrationProgressSample(
            time: 10, info: ["status": "active", "ram": ["transferred": 0, "remaining": .int(1 << 30), "total": .int(1 << 30)]],
            devices: [Self.device("gpu0", read: 0), Self.device("nic0", read: 0, stream: 64 << 20)])
        let now = MigrationProgressSample(
            time: 10.5, info: CannedReplies.activeMigration,
            devices: [Self.device("gpu0", read: 128 << 20), Self.device("nic0", read: 64 << 20, stream: 64 << 20)])
        #expect(MigrationProgressRenderer.lines(now, previous: earlier) == [
            "status: active  time: 812 ms  expected downtime: 120 ms  dirty syncs: 3",
            "RAM   [##################......]  75%     768.0 MiB / 1.0 GiB    1.0 GiB/s sent 512.0 MiB",
            "gpu0  [###########.............]  49%   128.0 MiB / 257.5 MiB  256.0 MiB/s stop-copy (multifd)",
            // All of nic0's stream is read: nothing left to move, so no rate.
            "nic0  [########################] 100%     64.0 MiB / 64.0 MiB              stop-copy (multifd)",
        ])
    }

    /// Once the migration has ended nothing moves: no row shows a rate (not `0 B/s`), and every bar of a
    /// completed migration ends at its total.
    @Test func finalFrameShowsNoRates() {
        let earlier = MigrationProgressSample(
            time: 10, info: CannedReplies.activeMigration, devices: [Self.device("gpu0", read: 270_008_320)])
        let done = Self.device("gpu0", read: 270_008_320, state: "stop", phase: "completed")
        let final = MigrationProgressSample(time: 10.5, info: CannedReplies.completedMigration, devices: [done])
        #expect(MigrationProgressRenderer.lines(final, previous: earlier) == [
            "status: completed  time: 1212 ms  downtime: 35 ms  dirty syncs: 2",
            "RAM   [########################] 100%       1.0 GiB / 1.0 GiB              sent 1.0 MiB",
            "gpu0  [########################] 100%   257.5 MiB / 257.5 MiB              completed (multifd)",
        ])
    }

    /// Nothing moves yet in setup, so no row shows a rate (the README says rates show only while something
    /// moves; setup frames used to show `0 B/s`).
    @Test func setupFrameShowsNoRates() {
        let idle: JSONValue = [
            "id": "gpu0", "device-state": "running", "mode": "none", "phase": "idle", "state-size": 268_435_456,
            "stream-size": 270_008_320,
        ]
        let ram: JSONValue = ["transferred": 0, "remaining": .int(1 << 29), "total": .int(1 << 29), "mbps": 0]
        let first = MigrationProgressSample(time: 1, info: ["status": "setup", "ram": ram], devices: [idle])
        let second = MigrationProgressSample(time: 1.5, info: ["status": "setup", "ram": ram], devices: [idle])
        for lines in [MigrationProgressRenderer.lines(first, previous: nil), MigrationProgressRenderer.lines(second, previous: first)] {
            #expect(lines[1] == "RAM   [........................]   0%         0 B / 512.0 MiB              sent 0 B")
            #expect(lines[2] == "gpu0  [........................]   0%         0 B / 257.5 MiB              idle")
        }
    }

    @Test func deviceProgressOnEitherSide() {
        let loading = DeviceTransferProgress([
            "id": "gpu0", "mode": "main-channel", "phase": "resuming", "received-bytes": 4096, "loaded-bytes": 2048,
            "stream-size": 0,
        ])
        #expect(loading.isDestination && loading.done == 2048 && loading.total == nil && !loading.isFinished)
        #expect(loading.amountText == "2.0 KiB / ?" && loading.fraction == 0)
        #expect(loading.statusText == "resuming (main channel)")
        let source = DeviceTransferProgress(Self.device("gpu0", read: 1 << 20))
        #expect(!source.isDestination && source.verb == "read" && source.total == 270_008_320)
    }

    @Test func summaryOfACompletedMigration() {
        let sample = MigrationProgressSample(
            time: 3, info: CannedReplies.completedMigration,
            devices: [Self.device("gpu0", read: 270_008_320, state: "stop", phase: "completed")])
        let digests = DigestComparison(
            source: CannedReplies.all["x-query-digest"] ?? .null, destination: CannedReplies.all["x-query-digest"] ?? .null)
        #expect(MigrationSummary.lines(sample, integrity: .compared(digests)) == [
            "Migration completed",
            "  total time:   1212 ms (setup 4 ms)",
            "  downtime:     35 ms",
            "  throughput:   872.8 KiB/s (7.2 mbps)",
            "  transferred:  1.0 MiB on all channels, 2.0 MiB of it over multifd",
            "  RAM:          1.0 MiB sent for 1.0 GiB of guest RAM (precopy 1.0 MiB; 512 normal, 261632 zero pages), 2 dirty syncs",
            "  VFIO:         256.0 MiB transferred",
            "  gpu0:         257.5 MiB of 257.5 MiB device data read (256.0 MiB state, multifd)",
            "  integrity:    OK: RAM and 1 device digest identical on source and destination (ram 5f0c1a2b3c4d5e6f…)",
        ])
    }

    /// A real run's figures: 512 MiB of zero-filled RAM and one 256 MiB device over multifd. Nearly every byte on
    /// the wire is device state; the RAM line counts guest pages only (zero pages are headers in RAM packets).
    private static let zeroRAMWithDevice: JSONValue = [
        "status": "completed", "total-time": 5899, "downtime": 5468, "setup-time": 5,
        "ram": [
            "transferred": 271_462_912, "remaining": 0, "total": 536_870_912, "duplicate": 131_072, "normal": 0,
            "normal-bytes": 0, "mbps": 368.4630, "dirty-sync-count": 12, "page-size": 4096,
            "multifd-bytes": 271_461_888, "pages-per-second": 0, "precopy-bytes": 1_376_256, "downtime-bytes": 0,
            "postcopy-bytes": 0,
        ],
        "vfio": ["transferred": 270_012_416],
    ]

    @Test func summaryRAMLineCountsGuestPagesOnly() {
        let sample = MigrationProgressSample(time: 3, info: Self.zeroRAMWithDevice, devices: [])
        let lines = MigrationSummary.lines(sample, integrity: .skipped("no destination"))
        #expect(lines.contains(
            "  RAM:          1.3 MiB sent for 512.0 MiB of guest RAM (precopy 1.3 MiB; 0 normal, 131072 zero pages), 12 dirty syncs"))
        #expect(lines.contains("  transferred:  258.9 MiB on all channels, 258.9 MiB of it over multifd"))
        #expect(lines.contains("  VFIO:         257.5 MiB transferred"))
        let frame = MigrationProgressRenderer.lines(sample, previous: nil)
        #expect(frame[1] == "RAM   [########################] 100%   512.0 MiB / 512.0 MiB              sent 1.3 MiB")
    }

    /// The summary's throughput is `info migrate`'s figure (QEMU's `mbps`: every byte over total less setup time).
    @Test func summaryThroughputIsInfoMigratesThroughput() throws {
        let sample = MigrationProgressSample(time: 3, info: Self.zeroRAMWithDevice, devices: [])
        #expect(MigrationSummary.lines(sample, integrity: .skipped("no destination"))
            .contains("  throughput:   43.9 MiB/s (368.5 mbps)"))
        let server = FakeQMPCaller()
        server.replies["query-migrate"] = Self.zeroRAMWithDevice
        #expect(try server.run("info migrate").text.contains("\nthroughput: 368.46 mbps\n"))
    }

    /// `query-migrate` has no figures once a migration failed or was cancelled (as in QEMU): the final frame and the
    /// summary keep the last ones seen while it ran instead of falling back to `0 ms` and `0 B / 0 B`.
    @Test func anEndedMigrationKeepsTheLastFigures() {
        let running = MigrationProgressSample(time: 1, info: CannedReplies.activeMigration, devices: [])
        let failed = MigrationProgressSample(
            time: 1.2, info: ["status": "failed", "error-desc": "Connection reset by peer"], devices: [])
            .keepingFigures(of: running)
        #expect(failed.figuresAreCarried && failed.status == "failed")
        #expect(MigrationProgressRenderer.lines(failed, previous: running) == [
            "status: failed  time: 812 ms  dirty syncs: 3",
            "RAM   [##################......]  75%     768.0 MiB / 1.0 GiB              sent 512.0 MiB",
        ])
        #expect(MigrationSummary.lines(failed, integrity: .skipped("the migration did not complete")) == [
            "Migration failed: Connection reset by peer",
            "  figures:      as last reported while the migration ran",
            "  total time:   812 ms (setup 3 ms)",
            "  throughput:   630.5 MiB/s (5289.3 mbps)",
            "  transferred:  512.0 MiB on all channels, 512.0 MiB of it over multifd",
            "  RAM:          512.0 MiB sent for 1.0 GiB of guest RAM (precopy 512.0 MiB; 131072 normal, 1000 zero pages), 3 dirty syncs",
            "  VFIO:         0 B transferred",
        ])
        let completed = MigrationProgressSample(time: 2, info: CannedReplies.completedMigration, devices: [])
        #expect(!completed.keepingFigures(of: running).figuresAreCarried)
    }

    @Test func summaryOfAMigrationThatFailedBeforeAnyFigures() {
        let sample = MigrationProgressSample(
            time: 3, info: ["status": "failed", "error-desc": "Connection refused"], devices: [])
        #expect(sample.keepingFigures(of: nil).info == sample.info)
        #expect(MigrationSummary.lines(sample, integrity: .skipped("the migration did not complete")) == [
            "Migration failed: Connection refused",
        ])
    }

    @Test func summaryWhenNothingStarted() {
        let sample = MigrationProgressSample(time: 3, info: .emptyObject, devices: [])
        #expect(MigrationSummary.lines(sample, integrity: .skipped("the migration did not complete")).first == "No migration started")
    }

    @Test func digestMismatches() {
        let source: JSONValue = ["ram": "aa", "devices": [["id": "gpu0", "digest": "01"], ["id": "nic0", "digest": "02"]]]
        let destination: JSONValue = ["ram": "ab", "devices": [["id": "gpu0", "digest": "01"], ["id": "dpu0", "digest": "03"]]]
        let comparison = DigestComparison(source: source, destination: destination)
        #expect(!comparison.matches)
        #expect(comparison.summary == "MISMATCH: ram, nic0 (missing on destination), dpu0 (missing on source)")
        #expect(IntegrityCheck.skipped("no destination").summary == "not checked (no destination)")
    }

    @Test func byteCounts() {
        #expect(BinaryByteCount.string(512) == "512 B")
        #expect(BinaryByteCount.string(1536) == "1.5 KiB")
        #expect(BinaryByteCount.string(3 << 30) == "3.0 GiB")
        #expect(BinaryByteCount.rate(1_048_576) == "1.0 MiB/s")
    }
}
