import ArgumentParser
import Glibc
import JSON
import VMigTesting

/// Switchover downtime of a VM with VFIO devices migrated between two spawned `vmigd` processes.
struct DeviceDowntimeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "Switchover downtime with VFIO devices: multifd vs main channel.")

    @Option(help: "Devices.") var devices = 4
    @Option(help: "Stop-copy state per device.") var stateSize = "256M"
    @Option(help: "Device read and write bandwidth (0 = unlimited).") var bandwidth = "1G"
    @Option(help: "Multifd channels; 0 sends device state over the main channel.") var channels = 4
    @Option(help: "Guest RAM.") var memory = "512M"
    @Option(help: "Destination x-migration-max-queued-buffers-size per device (empty = unlimited).") var queueLimit = ""
    @Option(help: "Runs (the median downtime is reported).") var runs = 3
    @Option(help: "QMP clients issuing commands on the source during the migration.") var qmpClients = 0
    @Option(help: "Milliseconds each QMP client waits between commands (0: back to back).") var qmpInterval = 0
    @Flag(help: "With --qmp-clients: alternate runs without and with the clients and print the downtime ratio.")
    var compareQMPLoad = false

    func run() throws {
        guard compareQMPLoad && qmpClients > 0 else {
            report(try (0..<runs).map { _ in try measure(qmpClients: qmpClients) }, qmpClients: qmpClients)
            return
        }
        var quiet: [Measurement] = []
        var loaded: [Measurement] = []
        for _ in 0..<runs {
            quiet.append(try measure(qmpClients: 0))
            loaded.append(try measure(qmpClients: qmpClients))
        }
        let without = report(quiet, qmpClients: 0)
        let with = report(loaded, qmpClients: qmpClients)
        let paired = zip(loaded, quiet).map { Double($0.downtime) / Double(max($1.downtime, 1)) }.sorted()
        print("downtime with \(qmpClients) QMP clients / without (alternating runs): ratio of the medians "
            + String(format2: Double(with.downtime) / Double(max(without.downtime, 1)))
            + ", median of the \(runs) paired ratios " + String(format2: paired[paired.count / 2]))
    }

    /// Prints one line for `measurements` and returns the median one (by downtime).
    @discardableResult
    private func report(_ measurements: [Measurement], qmpClients: Int) -> Measurement {
        let results = measurements.sorted { $0.downtime < $1.downtime }
        let median = results[results.count / 2]
        let pacing = qmpInterval > 0 ? " every \(qmpInterval) ms" : " back to back"
        let path = (channels == 0 ? "main channel" : "multifd \(channels) ch")
            + (qmpClients > 0 ? ", \(qmpClients) QMP clients" + pacing : "")
        print(
            "devices \(devices) x \(stateSize) @ \(bandwidth)/s, RAM \(memory), \(path): downtime \(median.downtime) ms, "
                + "total \(median.total) ms, vfio \(median.vfioBytes >> 20) MiB, destination peak RSS \(median.peakRSS >> 20) MiB "
                + "(median of \(runs); downtimes \(results.map(\.downtime))), "
                + "CPU s source/destination \(String(format2: median.sourceCPU))/\(String(format2: median.destinationCPU))")
        return median
    }

    struct Measurement {
        var downtime: Int64
        var total: Int64
        var vfioBytes: Int64
        var peakRSS: Int64
        /// CPU seconds (user + system) of the source and the destination during the migration.
        var sourceCPU: Double
        var destinationCPU: Double
    }

    private func deviceArguments(destination: Bool) -> [String] {
        (0..<devices).flatMap { index -> [String] in
            var spec = "vfio-pci,id=dev\(index),x-state-size=\(stateSize),x-precopy=off"
            if bandwidth != "0" { spec += ",x-read-bandwidth=\(bandwidth),x-write-bandwidth=\(bandwidth)" }
            if destination && !queueLimit.isEmpty { spec += ",x-migration-max-queued-buffers-size=\(queueLimit)" }
            if channels == 0 { spec += ",x-migration-multifd-transfer=off" }
            return ["--device", spec]
        }
    }

    private func measure(qmpClients: Int) throws -> Measurement {
        let pair = try BenchmarkPair(
            memory: memory, channels: channels, sourceArguments: deviceArguments(destination: false),
            destinationArguments: deviceArguments(destination: true))
        // To measure the device state's downtime rather than leftover RAM, hold the switchover (a downtime limit of 0
        // fits nothing) until RAM is sent, then allow it: the next sync finds no RAM dirty (the source is paused).
        try pair.src.execute("migrate-set-parameters", ["downtime-limit": 0])
        let load = qmpClients > 0 ? try QMPClientLoad(count: qmpClients, socketPath: pair.source.socketPath, intervalMilliseconds: qmpInterval) : nil
        try pair.startMigration()
        try pair.src.waitForRAMSent(timeout: 600)
        try pair.src.execute("migrate-set-parameters", ["downtime-limit": 1000])
        let outcome = try pair.finishMigration(timeout: 600)
        _ = load?.stop()
        try pair.checkDigests()
        let info = outcome.info
        return Measurement(
            downtime: info["downtime"]?.int64Value ?? -1, total: info["total-time"]?.int64Value ?? -1,
            vfioBytes: info["vfio"]?["transferred"]?.int64Value ?? 0, peakRSS: Self.peakRSS(of: pair.destination.pid),
            sourceCPU: outcome.sourceCPU, destinationCPU: outcome.destinationCPU)
    }

    /// A size like `256M` in bytes (K, M, G, T: powers of 1024; no suffix: bytes).
    static func bytes(_ text: String) -> UInt64? {
        let shifts: [Character: UInt64] = ["K": 10, "M": 20, "G": 30, "T": 40]
        guard let last = text.last else { return nil }
        if let shift = shifts[Character(last.uppercased())] { return UInt64(text.dropLast()).map { $0 << shift } }
        return UInt64(text)
    }

    /// VmHWM of a process, in bytes.
    static func peakRSS(of pid: pid_t) -> Int64 {
        guard let status = try? TemporaryDirectory.read("/proc/\(pid)/status"),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int64($0) }.first ?? 0
        return kilobytes * 1024
    }
}
