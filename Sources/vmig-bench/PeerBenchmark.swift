import ArgumentParser
import Glibc
import JSON
import VMigTesting

/// RAM migrations side by side in one run: QEMU 10.0 → QEMU 10.0, vmigd → vmigd, QEMU → vmigd and vmigd → QEMU,
/// each with the same random RAM, paused, multifd over Unix sockets; throughput and both ends' CPU seconds.
struct PeerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers", abstract: "RAM migration throughput against QEMU 10.0, side by side.")

    @Option(help: "Guest RAM.") var memory = "2G"
    @Option(help: "Multifd channels.") var channels = 4
    @Option(help: "Rounds over the four pairs (the median by throughput is reported).") var runs = 3
    @Option(help: "Where the RAM files go (tmpfs keeps the disk out of the figure).") var directory = "/dev/shm"

    /// The pairs, source first.
    static let pairs: [(PeerEnd.Kind, PeerEnd.Kind)] = [(.qemu, .qemu), (.vmigd, .vmigd), (.qemu, .vmigd), (.vmigd, .qemu)]

    struct Result {
        var gibPerSecond: Double
        var sourceCPU: Double
        var destinationCPU: Double
    }

    func run() throws {
        guard QEMUProcess.isAvailable else {
            print("peers: no QEMU 10.0 at \(QEMUProcess.binary) (make qemu10): skipped")
            return
        }
        guard let bytes = DeviceDowntimeBenchmark.bytes(memory) else { throw ValidationError("--memory \(memory)") }
        let scratch = try TemporaryDirectory(prefix: "vmig-peers", in: directory)
        let randomFile = scratch.path + "/random.ram"
        try RandomFile.write(randomFile, bytes: bytes)
        var results = Array(repeating: [Result](), count: Self.pairs.count)
        var failures = Array(repeating: "", count: Self.pairs.count)
        for _ in 0..<runs {
            // Pairs take turns within a round, so host noise spreads over all of them alike.
            for (index, pair) in Self.pairs.enumerated() where failures[index].isEmpty {
                do {
                    results[index].append(try once(pair, bytes: bytes, randomFile: randomFile))
                } catch {
                    failures[index] = "\(error)".split(separator: "\n").prefix(2).joined(separator: " ")
                }
            }
        }
        report(results, failures: failures)
    }

    private func report(_ results: [[Result]], failures: [String]) {
        var medians: [Double?] = []
        for (index, (source, destination)) in Self.pairs.enumerated() {
            let label = "\(source.rawValue) → \(destination.rawValue)"
            guard failures[index].isEmpty, !results[index].isEmpty else {
                print("migrate \(memory) random RAM, multifd \(channels) ch, unix, \(label): failed: \(failures[index])")
                medians.append(nil)
                continue
            }
            let sorted = results[index].sorted { $0.gibPerSecond < $1.gibPerSecond }
            let median = sorted[sorted.count / 2]
            medians.append(median.gibPerSecond)
            print(
                "migrate \(memory) random RAM, paused, multifd \(channels) ch, unix, \(label): "
                    + "\(String(format2: median.gibPerSecond)) GiB/s, CPU s source \(String(format2: median.sourceCPU)) "
                    + "destination \(String(format2: median.destinationCPU)) (median of \(sorted.count); GiB/s runs: "
                    + "\(sorted.map { String(format2: $0.gibPerSecond) }))")
        }
        guard let reference = medians[0] else { return }
        let ratios = medians.dropFirst().enumerated().map { offset, value -> String in
            let (source, destination) = Self.pairs[offset + 1]
            return "\(source.rawValue) → \(destination.rawValue) \(value.map { String(format2: $0 / reference) } ?? "-")"
        }
        print("throughput / QEMU → QEMU in the same run: " + ratios.joined(separator: ", "))
    }

    /// One migration of `pair`; throws when it fails or the destination's RAM differs from the source's.
    private func once(_ pair: (PeerEnd.Kind, PeerEnd.Kind), bytes: UInt64, randomFile: String) throws -> Result {
        let directory = try TemporaryDirectory(prefix: "vmig-peer", in: self.directory)
        let source = try PeerEnd(
            pair.0, name: "src", in: directory, memoryBytes: bytes, source: true, randomFile: randomFile, peer: pair.1)
        let destination = try PeerEnd(
            pair.1, name: "dst", in: directory, memoryBytes: bytes, source: false, randomFile: randomFile, peer: pair.0)
        for end in [source, destination] { try end.qmp.prepareMigration(channels: channels) }
        let uri = "unix:" + directory.path + "/migration.sock"
        try destination.qmp.execute("migrate-incoming", ["uri": .string(uri)])
        let cpuBefore = (ProcessCPU.seconds(of: source.pid) ?? 0, ProcessCPU.seconds(of: destination.pid) ?? 0)
        try source.qmp.execute("migrate", ["uri": .string(uri)])
        let info = try source.qmp.waitForMigrationCompleted(timeout: 600)
        _ = try destination.qmp.waitForMigrationCompleted(timeout: 600)
        let cpuAfter = (ProcessCPU.seconds(of: source.pid) ?? 0, ProcessCPU.seconds(of: destination.pid) ?? 0)
        try verify(source, destination)
        let milliseconds = Double(info["total-time"]?.int64Value ?? 1)
        return Result(
            gibPerSecond: Double(bytes) / Double(1 << 30) / (milliseconds / 1000),
            sourceCPU: cpuAfter.0 - cpuBefore.0, destinationCPU: cpuAfter.1 - cpuBefore.1)
    }

    /// Two vmigd compare digests; with QEMU at either end, the RAM files are compared byte for byte.
    private func verify(_ source: PeerEnd, _ destination: PeerEnd) throws {
        if source.kind == .vmigd && destination.kind == .vmigd {
            guard try source.qmp.execute("x-query-digest") == destination.qmp.execute("x-query-digest") else {
                throw TestingError("digests differ")
            }
            return
        }
        guard try RandomFile.equal(source.ramFile(), destination.ramFile()) else {
            throw TestingError("the destination's RAM differs from the source's")
        }
    }
}
