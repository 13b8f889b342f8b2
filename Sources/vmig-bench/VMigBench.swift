import ArgumentParser

/// `vmig-bench`: the figures `make bench` prints. Not a test: nothing here asserts a speed.
@main
struct VMigBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmig-bench",
        abstract: "Measure vmig: QMP round trips, JSON codec throughput.",
        subcommands: [
            QMPRoundTripBenchmark.self, JSONCodecBenchmark.self, RAMMigrationBenchmark.self, DeviceDowntimeBenchmark.self,
            ConvergenceBenchmark.self, PeerBenchmark.self,
        ])
}
