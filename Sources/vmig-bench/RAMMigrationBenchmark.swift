import ArgumentParser
import Glibc
import JSON
import VMigTesting

/// A RAM migration between two spawned `vmigd` processes over Unix sockets, paused guest.
struct RAMMigrationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "RAM migration throughput between two vmigd processes.")

    @Option(help: "Guest RAM.") var memory = "2G"
    @Option(help: "Multifd channels (0 = plain migration over the main channel).") var channels = 4
    @Option(help: "Runs (the median by throughput is reported).") var runs = 3

    func run() throws {
        var results: [Result] = []
        for _ in 0..<runs {
            results.append(try once())
        }
        results.sort { $0.gibPerSecond < $1.gibPerSecond }
        let median = results[results.count / 2]
        let mode = channels == 0 ? "plain (main channel)" : "multifd, \(channels) channels"
        print(
            "migrate \(memory) random RAM, paused guest, unix, \(mode): \(String(format2: median.gibPerSecond)) GiB/s, "
                + "total \(median.totalMilliseconds) ms, downtime \(median.downtimeMilliseconds) ms, "
                + "CPU s source \(String(format2: median.sourceCPU)) destination \(String(format2: median.destinationCPU)) "
                + "(median of \(runs); GiB/s runs: \(results.map { String(format2: $0.gibPerSecond) }))")
    }

    struct Result {
        var gibPerSecond: Double
        var totalMilliseconds: Int64
        var downtimeMilliseconds: Int64
        var sourceCPU: Double
        var destinationCPU: Double
    }

    private func once() throws -> Result {
        let pair = try BenchmarkPair(memory: memory, channels: channels)
        let outcome = try pair.migrate(timeout: 300)
        let info = outcome.info
        let total = info["total-time"]?.int64Value ?? 1
        let bytes = Double(info["ram"]?["total"]?.int64Value ?? 0)
        let result = Result(
            gibPerSecond: bytes / Double(1 << 30) / (Double(total) / 1000),
            totalMilliseconds: total, downtimeMilliseconds: info["downtime"]?.int64Value ?? -1,
            sourceCPU: outcome.sourceCPU, destinationCPU: outcome.destinationCPU)
        try pair.checkDigests()
        return result
    }
}

extension String {
    /// A number with two decimals.
    init(format2 value: Double) {
        let scaled = Int((value * 100).rounded())
        let fraction = abs(scaled % 100)
        self = "\(scaled / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
