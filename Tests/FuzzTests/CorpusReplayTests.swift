import FuzzEntryPoints
import Glibc
import Migration
import POSIXSupport
import Testing

/// Every input in the committed fuzz corpus (`fuzz/corpus/TARGET/`) goes through the same entry point the
/// fuzzer drives; each entry point stops the process on a property violation, hang or crash, so a corpus
/// file that once found a bug keeps testing its fix.
@Suite("Fuzz corpus replay", .serialized)
struct CorpusReplayTests {
    /// The repository's `fuzz/corpus`, found from this source file.
    static let corpusRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/fuzz/corpus"
    }()

    static func inputs(of target: FuzzTarget) -> [(name: String, bytes: [UInt8])] {
        let directory = corpusRoot + "/" + target.rawValue
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var files: [(String, [UInt8])] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard !name.hasPrefix("."), let bytes = TextFile.bytes(directory + "/" + name) else { continue }
            files.append((name, bytes))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusInputRunsThroughItsEntryPoint(target: FuzzTarget) {
        let inputs = Self.inputs(of: target)
        #expect(inputs.count >= 10, "corpus for \(target.rawValue) missing or too small at \(Self.corpusRoot)")
        for input in inputs {
            target.run(input.bytes)
        }
    }

    @Test func theMainStreamSeedsCompleteAndTheirCorruptionsFailWithoutStoppingTheDestination() throws {
        for fill in [MemoryFill.zero, .pattern] {
            let stream = try MainStreamFuzzing.captureValidStream(fill: fill)
            #expect(MainStreamFuzzing.run(stream).status == .completed)
            var corrupt = stream
            corrupt[corrupt.count / 2] ^= 0xFF
            _ = MainStreamFuzzing.run(corrupt)
            #expect(MainStreamFuzzing.run(Array(stream.prefix(stream.count / 2))).status == .failed)
            #expect(MainStreamFuzzing.run(stream).status == .completed)
        }
    }
}
