import HMP
import JSON
import Testing

@Suite("Live progress lines, the summary and the digest comparison")
struct MigrationProgressTests {
    private static func device(_ id: String, sent: UInt64, size: UInt64, state: String = "stop-copy", phase: String = "saving") -> JSONValue {
        [
            "id": .string(id), "qom-path": .string("/machine/peripheral/\(id)"), "device-state": .string(state),
            "mode": "multifd", "phase": .string(phase), "read-bytes": .integer(sent), "sent-bytes": .integer(sent),
            "received-bytes": 0, "queued-bytes": 0, "loaded-bytes": 0, "queued-buffers": 0, "state-size": .integer(size),
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
            devices: [Self.device("gpu0", sent: 0, size: 512 << 20)])
        let now = MigrationProgressSample(
            time: 10.5, info: CannedReplies.activeMigration, devices: [Self.device("gpu0", sent: 128 << 20, size: 512 << 20)])
        #expect(MigrationProgressRenderer.lines(now, previous: earlier) == [
            "status: active  time: 812 ms  expected downtime: 120 ms  dirty syncs: 3",
            "RAM   [##################......]  75%     768.0 MiB / 1.0 GiB    1.0 GiB/s sent 512.0 MiB",
            "gpu0  [######..................]  25%   128.0 MiB / 512.0 MiB  256.0 MiB/s multifd stop-copy saving",
        ])
    }

    @Test func firstSampleUsesTheReportedThroughput() {
        let sample = MigrationProgressSample(time: 1, info: CannedReplies.activeMigration, devices: [])
        #expect(MigrationProgressRenderer.lines(sample, previous: nil)[1].contains("630.5 MiB/s"))
        #expect(sample.isOngoing)
        #expect(!MigrationProgressSample(time: 1, info: CannedReplies.completedMigration, devices: []).isOngoing)
        #expect(MigrationProgressSample(time: 1, info: .emptyObject, devices: []).status == "none")
    }

    @Test func summaryOfACompletedMigration() {
        let sample = MigrationProgressSample(
            time: 3, info: CannedReplies.completedMigration, devices: [Self.device("gpu0", sent: 256 << 20, size: 256 << 20, state: "stop", phase: "done")])
        let digests = DigestComparison(
            source: CannedReplies.all["x-query-digest"] ?? .null, destination: CannedReplies.all["x-query-digest"] ?? .null)
        #expect(MigrationSummary.lines(sample, integrity: .compared(digests)) == [
            "Migration completed",
            "  total time:   1212 ms (setup 4 ms)",
            "  downtime:     35 ms",
            "  throughput:   212.1 MiB/s (1779.0 mbps)",
            "  RAM:          1.0 MiB sent for 1.0 GiB of guest RAM, 2 dirty syncs, 2.0 MiB over multifd",
            "  VFIO:         256.0 MiB transferred",
            "  gpu0:         256.0 MiB of 256.0 MiB (multifd)",
            "  integrity:    OK: RAM and 1 device digest identical on source and destination (ram 5f0c1a2b3c4d5e6f…)",
        ])
    }

    @Test func summaryOfAFailedMigration() {
        let sample = MigrationProgressSample(
            time: 3, info: ["status": "failed", "error-desc": "Connection refused", "total-time": 5], devices: [])
        #expect(MigrationSummary.lines(sample, integrity: .skipped("the migration did not complete")) == [
            "Migration failed: Connection refused",
            "  total time:   5 ms (setup 0 ms)",
            "  throughput:   0 B/s (0.0 mbps)",
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
        #expect(ByteCountFormatter.string(512) == "512 B")
        #expect(ByteCountFormatter.string(1536) == "1.5 KiB")
        #expect(ByteCountFormatter.string(3 << 30) == "3.0 GiB")
        #expect(ByteCountFormatter.rate(1_048_576) == "1.0 MiB/s")
    }
}
