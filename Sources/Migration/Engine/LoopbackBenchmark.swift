import Glibc
import Synchronization

/// An in-process benchmark: two engines, two paused VMs with random RAM, one migration over a Unix socket.
/// Callable from tests and tools (the daemon-level benchmark spawns two `vmigd`s instead).
package enum LoopbackBenchmark {
    /// What one run measured.
    package struct Result: Sendable {
        /// `ram.total` in bytes.
        package var ramBytes: UInt64
        /// `total-time` of the source.
        package var totalTimeMilliseconds: UInt64
        /// `downtime` of the source.
        package var downtimeMilliseconds: UInt64
        /// CPU time of the source's migration threads.
        package var sourceCPUSeconds: Double
        /// CPU time of the destination's migration threads.
        package var destinationCPUSeconds: Double
        /// Whether both RAM digests matched afterwards.
        package var digestsEqual: Bool
        /// Whether multifd was on.
        package var multifd: Bool
        /// `multifd-channels`.
        package var channels: UInt8

        /// GiB/s = ram.total / total-time.
        package var gibPerSecond: Double {
            Double(ramBytes) / Double(1 << 30) / (Double(max(totalTimeMilliseconds, 1)) / 1000)
        }

        /// One line for logs.
        package var summary: String {
            let mode = multifd ? "multifd x\(channels)" : "plain"
            let rate = (gibPerSecond * 100).rounded() / 100
            return "vmig bench \(mode): \(ramBytes >> 20) MiB in \(totalTimeMilliseconds) ms = \(rate) GiB/s, "
                + "downtime \(downtimeMilliseconds) ms, CPU src \(cpuText(sourceCPUSeconds)) s / "
                + "dst \(cpuText(destinationCPUSeconds)) s, digests \(digestsEqual ? "equal" : "DIFFER")"
        }

        private func cpuText(_ seconds: Double) -> String {
            String((seconds * 100).rounded() / 100)
        }
    }

    /// Migrates `size` bytes of random RAM from a paused VM, `max-bandwidth` set to 1 TiB/s.
    package static func run(size: Int, multifd: Bool, channels: UInt8) throws -> Result {
        let source = try BenchmarkHost(size: size, fill: .random(seed: 0xB16))
        let destination = try BenchmarkHost(size: size, fill: .zero)
        let sourceEngine = MigrationEngine(host: source)
        let destinationEngine = MigrationEngine(host: destination, incoming: .deferred)
        for engine in [sourceEngine, destinationEngine] {
            try engine.setCapabilities([(.multifd, multifd)])
            var update = MigrationParameterUpdate()
            update.multifdChannels = channels
            update.maxBandwidth = 1 << 40
            try engine.setParameters(update)
        }
        let path = "/tmp/vmig-bench-\(getpid()).sock"
        try destinationEngine.migrateIncoming(uri: "unix:\(path)")
        try sourceEngine.startOutgoing(uri: "unix:\(path)")
        sourceEngine.waitForOutgoing()
        let info = sourceEngine.info()
        guard info.status == .completed else {
            throw MigrationError("benchmark migration ended \(info.status?.name ?? "?"): \(info.errorDesc ?? "")")
        }
        // The destination reported its result only once it had completed: joining its threads cannot hang.
        sourceEngine.waitForThreadsToEnd()
        destinationEngine.waitForThreadsToEnd()
        return Result(ramBytes: info.ram?.total ?? 0, totalTimeMilliseconds: info.totalTime ?? 0,
                      downtimeMilliseconds: info.downtime ?? 0, sourceCPUSeconds: sourceEngine.cpuSeconds.outgoing,
                      destinationCPUSeconds: destinationEngine.cpuSeconds.incoming,
                      digestsEqual: source.memory.digest() == destination.memory.digest(),
                      multifd: multifd, channels: channels)
    }
}

/// A paused VM for the benchmark.
private final class BenchmarkHost: MigrationHost {
    let memory: GuestMemory

    init(size: Int, fill: MemoryFill) throws {
        memory = try GuestMemory(size: size, fill: fill)
    }

    func stopForSwitchover() {}
    func resumeAfterFailedOutgoing() {}
    func outgoingCompleted() {}
    func incomingCompleted() {}
}
