import ArgumentParser
import JSON
import POSIXSupport
import VMigTesting

/// Parse + encode throughput of the JSON module on QMP-sized messages, through the streaming decoder.
struct JSONCodecBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "json", abstract: "JSON parse+encode messages per second.")

    @Option(help: "Messages per run.") var count = 1_000_000
    @Option(help: "Runs (the median is reported).") var runs = 3
    @Flag(help: "Also time decoding and encoding separately.") var breakdown = false

    func run() throws {
        var stream: [UInt8] = []
        for index in 0..<count {
            stream += Array(#"{"execute":"query-migrate","id":\#(index)}"#.utf8)
        }
        var rates: [Double] = []
        for _ in 0..<runs {
            let start = HostClock.monotonicSeconds
            var decoder = JSONStreamDecoder()
            var decoded = 0
            var encodedBytes = 0
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + 65536)
                decoder.feed(stream[offset..<end])
                offset = end
                while let item = decoder.next() {
                    guard case .value(let value) = item else { throw TestingError("parse error") }
                    encodedBytes += JSONWriter.encode(value).count
                    decoded += 1
                }
            }
            guard decoded == count, encodedBytes > 0 else { throw TestingError("decoded \(decoded) of \(count)") }
            rates.append(Double(count) / (HostClock.monotonicSeconds - start))
        }
        if breakdown { try printBreakdown(stream) }
        rates.sort()
        print("json parse+encode messages/s: \(Int(rates[rates.count / 2])) (median of \(runs) runs of \(count); runs: \(rates.map { Int($0) }))")
    }

    /// Decoding alone, then encoding alone, to see where the time goes.
    private func printBreakdown(_ stream: [UInt8]) throws {
        var decoder = JSONStreamDecoder()
        var values: [JSONValue] = []
        values.reserveCapacity(count)
        let decodeStart = HostClock.monotonicSeconds
        decoder.feed(stream)
        while let item = decoder.next() {
            guard case .value(let value) = item else { throw TestingError("parse error") }
            values.append(value)
        }
        let decodeTime = HostClock.monotonicSeconds - decodeStart
        let encodeStart = HostClock.monotonicSeconds
        var bytes = 0
        for value in values { bytes += JSONWriter.encode(value).count }
        let encodeTime = HostClock.monotonicSeconds - encodeStart
        print("  decode only: \(Int(Double(count) / decodeTime))/s, encode only: \(Int(Double(count) / encodeTime))/s (\(bytes) bytes)")
    }
}
