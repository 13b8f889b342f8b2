import ArgumentParser
import JSON
import POSIXSupport
import VMigTesting

/// Predicted against measured downtime over a matrix of migrations with VFIO devices between spawned `vmigd`:
/// device count, transfer path (multifd or the main channel), device bandwidth, with and without precopy data.
/// Every parameter is at its default except `downtime-limit` (and `max-bandwidth`, lifted as the other
/// benchmarks do). A cell without precopy data is migrated twice from the same source: the first time nothing
/// about the devices' rates is known; the second time their last stop-copy is.
struct ConvergenceBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convergence", abstract: "Predicted (last expected-downtime) against measured downtime.")

    @Option(help: "Device counts, comma-separated.") var devices = "1,2,4,8"
    @Option(help: "Stop-copy state per device.") var stateSize = "64M"
    @Option(help: "Device bandwidths, comma-separated (0 = unlimited).") var bandwidths = "1G,0"
    @Option(help: "Guest RAM (random contents, the guest idle).") var memory = "128M"
    @Option(help: "Multifd channels for the multifd cells.") var channels = 4
    @Option(help: "downtime-limit in ms.") var downtimeLimit = 1000

    /// One migration of the matrix.
    struct Row {
        var cell: String
        /// What the model knew of the devices' rates: "precopy", "earlier migration" or "nothing".
        var knowledge: String
        var predicted: UInt64
        var measured: UInt64
        var limit: UInt64

        /// Within ±25 % or 50 ms.
        var accurate: Bool {
            let difference = predicted > measured ? predicted - measured : measured - predicted
            return difference <= 50 || Double(difference) <= 0.25 * Double(measured)
        }

        var line: String {
            let error = predicted > 0 ? Double(measured) / Double(predicted) : 0
            return "| \(cell) | \(knowledge) | \(limit) | \(predicted) | \(measured) | \(String(format2: error)) | "
                + "\(accurate ? "yes" : "no") | \(measured <= limit * 5 / 4 ? "yes" : "no") |"
        }
    }

    func run() throws {
        print("| cell | rates known from | limit ms | predicted ms | measured ms | measured/predicted | within ±25 % or 50 ms | ≤ 1.25 × limit |")
        print("|---|---|---|---|---|---|---|---|")
        var rows: [Row] = []
        for count in devices.split(separator: ",").compactMap({ Int($0) }) {
            for path in [channels, 0] {
                for bandwidth in bandwidths.split(separator: ",").map(String.init) {
                    for precopy in [true, false] {
                        for row in try measure(count: count, channels: path, bandwidth: bandwidth, precopy: precopy) {
                            print(row.line)
                            rows.append(row)
                        }
                    }
                }
            }
        }
        summarize(rows)
    }

    private func summarize(_ rows: [Row]) {
        let observed = rows.filter { $0.knowledge != "nothing" }
        let blind = rows.filter { $0.knowledge == "nothing" }
        print("")
        print("rates observed: \(observed.filter(\.accurate).count) of \(observed.count) within ±25 % or 50 ms; "
            + "\(observed.filter { $0.measured <= $0.limit * 5 / 4 }.count) of \(observed.count) ≤ 1.25 × downtime-limit")
        print("rates not observed: \(blind.filter(\.accurate).count) of \(blind.count) within ±25 % or 50 ms; "
            + "measured/predicted \(blind.map { String(format2: Double($0.measured) / Double(max($0.predicted, 1))) })")
    }

    private func deviceArguments(count: Int, channels: Int, bandwidth: String, precopy: Bool) -> [String] {
        (0..<count).flatMap { index -> [String] in
            var spec = "vfio-pci,id=dev\(index),x-state-size=\(stateSize)"
            if precopy, let size = DeviceDowntimeBenchmark.bytes(stateSize) { spec += ",x-precopy-size=\(size / 2)" }
            if bandwidth != "0" { spec += ",x-read-bandwidth=\(bandwidth),x-write-bandwidth=\(bandwidth)" }
            if channels == 0 { spec += ",x-migration-multifd-transfer=off" }
            return ["--device", spec]
        }
    }

    /// One cell: one migration, or two for a cell without precopy data.
    private func measure(count: Int, channels: Int, bandwidth: String, precopy: Bool) throws -> [Row] {
        let arguments = deviceArguments(count: count, channels: channels, bandwidth: bandwidth, precopy: precopy)
        let pair = try BenchmarkPair(
            memory: memory, channels: channels, sourceArguments: arguments, destinationArguments: arguments, running: true)
        try pair.src.execute("migrate-set-parameters", ["downtime-limit": .integer(downtimeLimit)])
        let cell = "\(count) × \(stateSize), \(channels > 0 ? "multifd" : "main channel"), "
            + "\(bandwidth == "0" ? "unlimited" : bandwidth + "/s"), \(precopy ? "precopy data" : "no precopy data")"
        try pair.startMigration()
        var rows = [try row(cell: cell, knowledge: precopy ? "precopy" : "nothing", pair: pair, destination: pair.dst)]
        try pair.checkDigests()
        if !precopy {
            rows.append(try secondMigration(cell: cell, pair: pair, arguments: arguments, channels: channels))
        }
        return rows
    }

    /// Migrates the (now stopped) source again, to a new destination: the devices' last stop-copy is known.
    private func secondMigration(cell: String, pair: BenchmarkPair, arguments: [String], channels: Int) throws -> Row {
        let destination = try DaemonProcess.vmigd(
            in: pair.directory, name: "dst2", extraArguments: ["-m", memory, "--incoming", "defer"] + arguments,
            timeout: 120)
        defer { destination.terminate() }
        let client = try QMPTestClient(path: destination.socketPath)
        try client.prepareMigration(channels: channels)
        let uri = "unix:" + pair.directory.path + "/mig2.sock"
        try client.execute("migrate-incoming", ["uri": .string(uri)])
        try pair.src.execute("migrate", ["uri": .string(uri)])
        let row = try row(cell: cell, knowledge: "earlier migration", pair: pair, destination: client)
        let digests = (try pair.src.execute("x-query-digest"), try client.execute("x-query-digest"))
        guard digests.0 == digests.1 else { throw TestingError("digests differ after the second migration: \(digests)") }
        return row
    }

    /// Waits for the running migration, keeping the last `expected-downtime` it reported (in `device`, the
    /// prediction the switchover was decided on). Like `vmig demo`, it raises `downtime-limit` to what the model
    /// predicts when a device or the link has kept the prediction above the limit for 3 s, so that no cell hangs;
    /// the row gives the limit in force at the switchover.
    private func row(cell: String, knowledge: String, pair: BenchmarkPair, destination: QMPTestClient) throws -> Row {
        var predicted: UInt64 = 0
        var limit = UInt64(downtimeLimit)
        var blockedSince: Double?
        let outcome = try pair.finishMigration(timeout: 300) { info in
            guard ["active", "device"].contains(info["status"]?.stringValue ?? "") else { return }
            if let expected = info["expected-downtime"]?.uint64Value { predicted = expected }
            guard let blocker = info["x-switchover-blocker"]?.stringValue, !blocker.hasPrefix("RAM:") else {
                blockedSince = nil
                return
            }
            let since = blockedSince ?? HostClock.monotonicSeconds
            blockedSince = since
            if HostClock.monotonicSeconds - since >= 3 {
                limit = (predicted * 5 / 4 / 100 + 1) * 100
                _ = try? pair.src.execute("migrate-set-parameters", ["downtime-limit": .integer(limit)])
                blockedSince = nil
            }
        }
        try pair.src.execute("migrate-set-parameters", ["downtime-limit": .integer(downtimeLimit)])
        _ = try destination.waitForMigrationStatus(["completed"], timeout: 60)
        // The decided prediction, also when the migration finished between two polls.
        predicted = outcome.info["x-predicted-downtime"]?.uint64Value ?? predicted
        return Row(cell: cell, knowledge: knowledge, predicted: predicted,
                   measured: outcome.info["downtime"]?.uint64Value ?? 0, limit: limit)
    }
}
