import Foundation
import MachineTesting
import Migration
import Testing

@testable import VFIO

/// Switchover downtime with VFIO device state: 4 devices × 256 MiB of STOP_COPY state, each read and written at
/// 1 GiB/s, 512 MiB of RAM, paused guest, 4 multifd channels; multifd device-state transfer against the main
/// channel, and both with unlimited device bandwidth. A measurement, not a test: it runs only with VMIG_BENCH=1
/// (use a release build: `VMIG_BENCH=1 swift test -c release --filter VFIODowntimeBenchmark`).
/// VMIG_BENCH_DEVICE_SIZE changes the device size, VMIG_BENCH_RAM the RAM size, VMIG_BENCH_RUNS the repetitions
/// (the best run is kept).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["VMIG_BENCH"] == "1"))
struct VFIODowntimeBenchmark {
    struct Measurement {
        var label: String
        var downtimes: [UInt64]
        var best: UInt64 { downtimes.min() ?? 0 }
    }

    static let environment = ProcessInfo.processInfo.environment
    static let deviceSize = environment["VMIG_BENCH_DEVICE_SIZE"] ?? "256M"
    static let runs = Int(environment["VMIG_BENCH_RUNS"] ?? "") ?? 3
    static let ramSize = environment["VMIG_BENCH_RAM"].flatMap { GuestMemory.parseSize($0) } ?? 512 << 20

    /// One configuration, `runs` times; returns the downtimes in ms.
    static func measure(label: String, multifdTransfer: Bool, bandwidth: String?) throws -> Measurement {
        var downtimes: [UInt64] = []
        for _ in 0..<runs {
            let limits = bandwidth.map { ",x-read-bandwidth=\($0),x-write-bandwidth=\($0)" } ?? ""
            let devices = (0..<4).map {
                "vfio-pci,id=dev\($0),x-state-size=\(deviceSize),x-migration-multifd-transfer="
                    + (multifdTransfer ? "on" : "off") + limits
            }
            // Switch over once RAM is (nearly) all sent: the threshold (avail-switchover-bandwidth × downtime-limit)
            // covers the device state (its stream: data + 0.6 % record headers), which counts as pending, plus 1 MiB.
            let deviceBytes = try devices.map { try VFIODeviceSpec.parse($0).properties.stateSize }.reduce(0, +)
            let pair = try MachinePair.vfio(devices: devices, multifd: true, channels: 4, ramSize: ramSize) {
                $0.downtimeLimit = 1000
                $0.availSwitchoverBandwidth = deviceBytes + deviceBytes / 128 + (1 << 20)
            }
            let outcome = try pair.run(timeout: 120)
            pair.expectCompleted(outcome)
            downtimes.append(outcome.source.downtime ?? 0)
            pair.sourceEngine.waitForThreadsToEnd()
            pair.destinationEngine.waitForThreadsToEnd()
            let cpu = (pair.sourceEngine.cpuSeconds.outgoing, pair.destinationEngine.cpuSeconds.incoming)
            print("vmig VFIO \(label): downtime \(outcome.source.downtime ?? 0) ms, total \(outcome.source.totalTime ?? 0) ms, "
                + "CPU src \(String(format: "%.2f", cpu.0)) s / dst \(String(format: "%.2f", cpu.1)) s")
        }
        let measurement = Measurement(label: label, downtimes: downtimes)
        print("vmig VFIO downtime \(label): best \(measurement.best) ms, runs \(downtimes) ms")
        return measurement
    }

    /// VMIG_BENCH_CONFIG=multifd|main|multifd-unlimited|main-unlimited measures one configuration only.
    @Test func oneConfiguration() throws {
        guard let config = Self.environment["VMIG_BENCH_CONFIG"] else { return }
        _ = try Self.measure(label: config, multifdTransfer: config.hasPrefix("multifd"),
                             bandwidth: config.hasSuffix("unlimited") ? nil : "1G")
    }

    @Test func switchoverDowntime() throws {
        guard Self.environment["VMIG_BENCH_CONFIG"] == nil else { return }
        let multifd = try Self.measure(label: "multifd x4, 1 GiB/s devices", multifdTransfer: true, bandwidth: "1G")
        let main = try Self.measure(label: "main channel, 1 GiB/s devices", multifdTransfer: false, bandwidth: "1G")
        let multifdFree = try Self.measure(label: "multifd x4, unlimited devices", multifdTransfer: true, bandwidth: nil)
        let mainFree = try Self.measure(label: "main channel, unlimited devices", multifdTransfer: false, bandwidth: nil)
        let ratio = Double(main.best) / Double(max(multifd.best, 1))
        let freeRatio = Double(mainFree.best) / Double(max(multifdFree.best, 1))
        print("vmig VFIO downtime: main/multifd = \(String(format: "%.2f", ratio))x at 1 GiB/s, "
            + "\(String(format: "%.2f", freeRatio))x unlimited")
    }
}
