import Foundation
import StreamAnalysis
import Testing
import VMigTesting

/// Truncated, garbage and mutated files give an error naming the offset and what was expected, never a crash.
@Suite("vmig analyze on bad input", .serialized)
struct AnalyzeBadInputTests {
    @Test func truncatedAndGarbageFiles() throws {
        let migration = try TappedMigration(devices: ["vfio-pci,id=gpu0,x-state-size=2M"], channels: 1, memory: "16M")
        let main = try CaptureFile.read(migration.files[0])
        let channel = try CaptureFile.read(migration.files[1])
        let clean = StreamAnalysis.analyze(paths: migration.files)
        #expect(clean.isClean)
        let path = migration.path("bad.mig")

        func analyse(_ bytes: [UInt8]) throws -> AnalysisError? {
            try CaptureFile.write(bytes, to: path)
            return StreamAnalysis.analyze(paths: [path]).error
        }

        // Cut inside the header, the configuration, a section, the RAM list and the trailer's JSON.
        let configEnd = try #require(clean.main?.records.first { $0.kind == "start" }?.offset)
        for length in [0, 3, 6, 20, configEnd + 9, configEnd + 40, main.count / 2, main.count - 10] {
            let found = try analyse(Array(main.prefix(length)))
            let error = try #require(found, "no error at length \(length)")
            #expect(error.offset <= length)
            #expect(error.message.contains("expected"), "\(error)")
        }
        for length in [10, 64 + 5, 64 + 300, channel.count - 1] {
            let found = try analyse(Array(channel.prefix(length)))
            let error = try #require(found, "no error at length \(length)")
            #expect(error.offset <= length && error.message.contains("expected"), "\(error)")
        }

        var generator = SeededGenerator(state: 15)
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let garbageError = try analyse(garbage)
        let error = try #require(garbageError)
        #expect(error.offset == 0)
        #expect(error.message.contains("expected the main stream's QEVM magic"), "\(error)")
        let afterHeaderError = try analyse(Array(main.prefix(8)) + garbage)
        let afterHeader = try #require(afterHeaderError)
        #expect(afterHeader.offset >= 8 && afterHeader.message.contains("expected"), "\(afterHeader)")

        // Random mutations of a valid stream and channel: any outcome but a crash (this process would die).
        let channelStart = Array(channel.prefix(1 << 20))
        for round in 0..<300 {
            var bytes = round % 2 == 0 ? main : channelStart
            for _ in 0..<4 {
                bytes[Int.random(in: 0..<min(bytes.count, 4096), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try analyse(bytes)
        }

        // Across files: a channel given twice, a channel id beyond the configured count.
        let twice = StreamAnalysis.analyze(paths: migration.files + [migration.files[1]])
        #expect(twice.problems.contains { $0.contains("channel id 0 appears in") }, "\(twice.problems)")
        var renumbered = channel
        renumbered[24] = 9
        try CaptureFile.write(renumbered, to: path)
        let beyond = StreamAnalysis.analyze(paths: [migration.files[0], path])
        #expect(beyond.problems == ["\(path): channel id 9, but the configuration has 1 multifd channels"])
        #expect(!beyond.isClean)

        // The CLI: exit status 1 and the offset on stderr.
        try CaptureFile.write(Array(main.prefix(main.count / 2)), to: path)
        let run = try VMigAnalyzeRun([path])
        #expect(run.status == 1)
        #expect(run.output.contains("vmig analyze: \(path): offset "), "\(run.output)")
        let missing = try VMigAnalyzeRun([migration.path("no-such-file")])
        #expect(missing.status == 1 && missing.output.contains("cannot open"), "\(missing.output)")
    }

    /// Sizes and offsets at the top of their range are refused before any arithmetic on them can overflow.
    @Test func extremeOffsetsAndSizes() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-analyze")
        let path = directory.path + "/extreme.mig"
        func be(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let name = Array("pc.ram".utf8)
        let header = be(0x5145_564D, 4) + be(3, 4) + [0x07] + be(4, 4) + Array("vmig".utf8)
        let ramStart: [UInt8] = [0x01] + be(0, 4) + [3] + Array("ram".utf8) + be(0, 4) + be(4, 4)
            + be(0x10_0000 | 0x04, 8) + [6] + name + be(0x10_0000, 8)
        let farPage = be(0xFFFF_FFFF_FFFF_F000 | 0x08, 8) + [6] + name + [UInt8](repeating: 0, count: 4096)
        try CaptureFile.write(header + ramStart + farPage, to: path)
        let error = try #require(StreamAnalysis.analyze(paths: [path]).error)
        #expect(error.message.contains("expected an offset inside block 'pc.ram'"), "\(error)")
        #expect(error.offset == header.count + ramStart.count)

        let badPageSize: [UInt8] = header + [0x05, 18] + Array("configuration/vmig".utf8) + be(1, 4) + be(0, 4)
            + be(0, 8) + [4, 0] + be(0, 2)
        try CaptureFile.write(badPageSize + [0x00], to: path)
        let pageSizeError = try #require(StreamAnalysis.analyze(paths: [path]).error)
        #expect(pageSizeError.message.contains("expected a power-of-two page size"), "\(pageSizeError)")
    }
}
