import Foundation
import Migration
import Testing

/// The throughput benchmark: 2 GiB of random RAM, paused guest, unix sockets. Runs only with VMIG_BENCH=1
/// (use a release build: `VMIG_BENCH=1 swift test -c release --filter BenchmarkTests`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["VMIG_BENCH"] == "1"))
struct BenchmarkTests {
    @Test(arguments: [(true, 4 as UInt8), (false, 1 as UInt8)])
    func twoGiBRandomPaused(multifd: Bool, channels: UInt8) throws {
        let size = Int(ProcessInfo.processInfo.environment["VMIG_BENCH_SIZE"].flatMap { GuestMemory.parseSize($0) } ?? 2 << 30)
        let result = try LoopbackBenchmark.run(size: size, multifd: multifd, channels: channels)
        print(result.summary)
        #expect(result.digestsEqual)
    }
}
