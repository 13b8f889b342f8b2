import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// Migrations that must converge with default parameters (no `avail-switchover-bandwidth`), between two spawned
/// `vmigd` processes: the switchover decision models the devices' stop-copy state moving in parallel.
@Suite("Convergence between two vmigd processes", .serialized)
struct ConvergenceIntegrationTests {
    private func devicePair(memory: String, devices: [String], sourceExtra: [String] = []) throws -> DaemonPair {
        let arguments = devices.flatMap { ["--device", $0] }
        return try DaemonPair(memory: memory, sourceArguments: arguments + sourceExtra, destinationArguments: arguments)
    }

    private func expectIdentical(_ pair: DaemonPair) throws {
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
    }

    /// The report's case: 256 MiB of RAM dirtied at 10 MiB/s, two devices of 32 and 16 MiB, multifd with 4 channels
    /// over a Unix socket. It used to stay active forever, syncing the dirty log about 200 times a second.
    @Test func twoDevicesAndADirtyingGuestConvergeWithDefaults() throws {
        let pair = try devicePair(
            memory: "256M", devices: ["vfio-pci,id=gpu0,x-state-size=32M", "vfio-pci,id=gpu1,x-state-size=16M"],
            sourceExtra: ["--dirty-rate", "10M"])
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4])
        let info = try pair.migrate(to: pair.unixURI(), timeout: 90)
        try expectIdentical(pair)
        let totalTime = info["total-time"]?.uint64Value ?? 0
        let syncs = info["ram"]?["dirty-sync-count"]?.uint64Value ?? .max
        #expect(syncs <= totalTime / 100 + 3, "\(syncs) dirty syncs in \(totalTime) ms")
    }

    /// Four devices of 256 MiB at 1 GiB/s each need about 250 ms in parallel: they fit a 1,500 ms limit.
    @Test func fourLargeDevicesFitTheirLimitInParallel() throws {
        let device = { (id: String) in "vfio-pci,id=\(id),x-state-size=256M,x-read-bandwidth=1G,x-write-bandwidth=1G" }
        let pair = try devicePair(memory: "64M", devices: ["gpu0", "gpu1", "gpu2", "gpu3"].map(device))
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4, "downtime-limit": 1500])
        let info = try pair.migrate(to: pair.unixURI(), timeout: 120)
        try expectIdentical(pair)
        #expect(info["vfio"]?["transferred"]?.uint64Value ?? 0 >= 1 << 30)
        // The prediction the switchover was decided on stays readable after completion, and it fitted the limit.
        let predicted = try #require(info["x-predicted-downtime"]?.uint64Value)
        #expect(predicted > 0 && predicted <= 1500, "predicted \(predicted) ms")
    }

    /// 20 MiB/s of dirtying and 88 MiB of device state, every parameter and capability at its default (the main
    /// channel carries everything).
    @Test func dirtyingGuestWithDeviceStateConvergesOnTheMainChannel() throws {
        let pair = try devicePair(
            memory: "128M", devices: ["vfio-pci,id=gpu0,x-state-size=64M", "vfio-pci,id=nic0,x-state-size=24M"],
            sourceExtra: ["--dirty-rate", "20M"])
        _ = try pair.migrate(to: pair.unixURI(), timeout: 90)
        try expectIdentical(pair)
    }

    /// A device too slow for the limit: the migration says so (query-migrate and `info migrate`), waits for the
    /// next window instead of syncing hundreds of times a second, and completes once the limit is raised.
    @Test func aDeviceTooSlowForTheLimitIsNamedAndTheThreadWaits() throws {
        let pair = try devicePair(memory: "64M", devices: ["vfio-pci,id=gpu0,x-state-size=4M,x-precopy-size=1M,x-read-bandwidth=4M"])
        // The default limit, set explicitly: under a sanitizer spawned pairs get a larger one.
        try pair.setParameters(["max-bandwidth": 0, "downtime-limit": 300])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        var info = try pair.waitForStatus(pair.src, ["active"])
        #expect(Poll.until(timeout: 30, interval: 50_000) {
            info = (try? pair.src.execute("query-migrate")) ?? info
            return info["x-switchover-blocker"] != nil
        })
        let blocker = info["x-switchover-blocker"]?.stringValue ?? ""
        #expect(blocker.hasPrefix("device gpu0: "), "\(info)")
        #expect((info["expected-downtime"]?.uint64Value ?? 0) > 300, "\(info)")
        let syncsBefore = info["ram"]?["dirty-sync-count"]?.uint64Value ?? 0
        let started = HostClock.monotonicSeconds
        usleep(2_000_000)
        let later = try pair.src.execute("query-migrate")
        let elapsed = HostClock.monotonicSeconds - started
        let syncs = (later["ram"]?["dirty-sync-count"]?.uint64Value ?? 0) - syncsBefore
        #expect(Double(syncs) <= elapsed * 10 + 2, "\(syncs) dirty syncs in \(elapsed) s")
        let text = try pair.src.execute("human-monitor-command", ["command-line": "info migrate"]).stringValue ?? ""
        #expect(text.contains("switchover blocked by: device gpu0: "), "\(text)")
        let devices = try pair.src.execute("x-query-vfio-migration").arrayValue ?? []
        #expect((devices.first?["x-predicted-downtime"]?.uint64Value ?? 0) > 300, "\(devices)")
        #expect(devices.first?["x-observed-rate"]?.uint64Value != nil, "\(devices)")
        try pair.src.execute("migrate-set-parameters", ["downtime-limit": 5000])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(pair.dst, ["completed"])
        try expectIdentical(pair)
    }

    /// A paused source dirties nothing, so waiting cannot shorten its switchover: with a device whose observed rate
    /// (from its precopy data) predicts about 750 ms against the default 300 ms limit, it switches over once RAM is
    /// sent (it used to stay active forever, e.g. when saving a paused VM to a file). `downtime-limit` 0 still holds it.
    @Test func aPausedSourceSwitchesOverOnceRAMIsSent() throws {
        let pair = try DaemonPair(
            memory: "32M", sourceArguments: ["--paused", "--device", "vfio-pci,id=gpu0,x-state-size=16M,x-precopy-size=4M,x-read-bandwidth=16M"],
            destinationArguments: ["--device", "vfio-pci,id=gpu0,x-state-size=16M"])
        try pair.setParameters(["max-bandwidth": 0, "downtime-limit": 0])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.src.waitForRAMSent(timeout: 30)
        usleep(1_000_000)
        var info = try pair.src.execute("query-migrate")
        #expect(info["status"] == "active", "downtime-limit 0 did not hold the switchover: \(info)")
        try pair.src.execute("migrate-set-parameters", ["downtime-limit": 300])
        info = try pair.waitForStatus(pair.src, ["completed", "failed", "cancelled"], timeout: 30)
        #expect(info["status"] == "completed", "\(info)")
        #expect((info["downtime"]?.uint64Value ?? 0) > 300, "the device state was meant to need more than the limit: \(info)")
        try pair.waitForStatus(pair.dst, ["completed"])
        try expectIdentical(pair)
    }

    /// A guest dirtying four times faster than a 16 MiB/s link: without auto-converge the RAM blocks the
    /// switchover; with it the throttle climbs (visible in query-migrate) until the migration completes.
    @Test func autoConvergeThrottlesAGuestFasterThanTheLink() throws {
        let pair = try DaemonPair(memory: "32M", sourceArguments: ["--dirty-rate", "64M"])
        try pair.setParameters(["max-bandwidth": 0, "downtime-limit": 300])
        let proxy = try ThrottlingProxy(
            path: pair.directory.path + "/slow.sock", destinationPath: pair.directory.path + "/mig.sock",
            bytesPerSecond: 16 * 1_048_576)
        defer { proxy.close() }
        _ = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string("unix:" + proxy.path)])
        var info = try pair.src.execute("query-migrate")
        #expect(Poll.until(timeout: 30, interval: 50_000) {
            info = (try? pair.src.execute("query-migrate")) ?? info
            return info["x-switchover-blocker"]?.stringValue?.hasPrefix("RAM: ") == true
        }, "\(info)")
        usleep(3_000_000)
        info = try pair.src.execute("query-migrate")
        #expect(info["status"] == "active", "\(info)")
        #expect(info["cpu-throttle-percentage"] == nil)
        try pair.src.execute("migrate_cancel")
        try pair.waitForStatus(pair.src, ["cancelled"])
        try pair.waitForStatus(pair.dst, ["failed"])

        try pair.src.execute("migrate-set-capabilities", ["capabilities": [["capability": "auto-converge", "state": true]]])
        try pair.src.execute("migrate-set-parameters", ["cpu-throttle-initial": 60, "cpu-throttle-increment": 20])
        try pair.dst.execute("migrate-incoming", ["uri": .string(pair.unixURI())])
        try pair.src.execute("migrate", ["uri": .string("unix:" + proxy.path)])
        var highest: UInt64 = 0
        let done = Poll.until(timeout: 90, interval: 100_000) {
            info = (try? pair.src.execute("query-migrate")) ?? info
            highest = max(highest, info["cpu-throttle-percentage"]?.uint64Value ?? 0)
            return ["completed", "failed", "cancelled"].contains(info["status"]?.stringValue ?? "")
        }
        #expect(done && info["status"] == "completed", "\(info)")
        #expect(highest >= 60, "highest throttle seen: \(highest)")
        #expect(info["cpu-throttle-percentage"] == nil)
        try pair.waitForStatus(pair.dst, ["completed"])
        try expectIdentical(pair)
    }
}

/// `max-bandwidth` holds on the wire: the bytes sent between two samples of `query-migrate` stay within 10 % of
/// the limit with 1 and 4 multifd channels (it was exceeded about twice over with 4).
@Suite("max-bandwidth between two vmigd processes", .serialized)
struct MaxBandwidthIntegrationTests {
    @Test(arguments: [1, 4])
    func maxBandwidthHoldsAcrossChannels(channels: Int) throws {
        let pair = try DaemonPair(memory: "128M")
        try pair.setCapabilities(["multifd": true])
        let limit = 16.0 * 1_048_576
        // downtime-limit 0 holds the switchover (which lifts the limit, as in QEMU) while the rate is measured.
        try pair.setParameters(["multifd-channels": .integer(channels), "max-bandwidth": .integer(Int64(limit)),
                                "downtime-limit": 0])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["active"])
        usleep(500_000)
        let first = (HostClock.monotonicSeconds, try pair.src.execute("query-migrate")["ram"]?["transferred"]?.uint64Value ?? 0)
        usleep(3_000_000)
        let second = (HostClock.monotonicSeconds, try pair.src.execute("query-migrate")["ram"]?["transferred"]?.uint64Value ?? 0)
        let rate = Double(second.1 - first.1) / (second.0 - first.0)
        #expect(rate <= limit * 1.1, "\(rate / 1_048_576) MiB/s against a 16 MiB/s limit")
        #expect(rate >= limit * 0.5, "\(rate / 1_048_576) MiB/s against a 16 MiB/s limit")
        try pair.src.execute("migrate-set-parameters", ["max-bandwidth": 0, "downtime-limit": 300])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(pair.dst, ["completed"])
        let (source, destination) = try pair.digests()
        #expect(source == destination)
    }
}
