import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// Migrations of VMs with simulated VFIO devices between two spawned `vmigd` processes.
@Suite("VFIO device state migration between two vmigd processes", .serialized)
struct VFIOMigrationIntegrationTests {
    static let devices = [
        "vfio-pci,id=gpu0,x-state-size=24M,migration-events=on",
        "vfio-pci,id=nic0,x-state-size=5M,x-precopy-size=1M",
        "vfio-pci,id=nic1,x-state-size=1M",
    ]

    private func pair(
        source: [String] = devices, destination: [String] = devices, sourceExtra: [String] = [],
        destinationExtra: [String] = []
    ) throws -> DaemonPair {
        try DaemonPair(
            sourceArguments: source.flatMap { ["--device", $0] } + sourceExtra,
            destinationArguments: destination.flatMap { ["--device", $0] } + destinationExtra)
    }

    func expectIdentical(_ pair: DaemonPair, deviceCount: Int = devices.count) throws {
        let (source, destination) = try pair.digests()
        #expect(source["devices"]?.arrayValue?.count == deviceCount)
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
    }

    @Test(arguments: [1, 2, 8])
    func multifdDeviceStateWithSeveralDevices(channels: Int) throws {
        let pair = try pair(sourceExtra: ["--dirty-rate", "5000000"])
        try pair.setCapabilities(["multifd": true, "events": true])
        try pair.setParameters(["multifd-channels": .integer(channels), "max-bandwidth": 0])
        let info = try pair.migrate(to: pair.unixURI())
        #expect(info["vfio"]?["transferred"]?.int64Value ?? 0 >= 30 << 20)
        let modes = try pair.src.execute("x-query-vfio-migration").arrayValue?.compactMap { $0["mode"]?.stringValue }
        #expect(modes == ["multifd", "multifd", "multifd"])
        let loaded = try pair.dst.execute("x-query-vfio-migration").arrayValue ?? []
        #expect(loaded.first?["loaded-bytes"]?.int64Value ?? 0 >= 24 << 20)
        try pair.src.waitForEvent("VFIO_MIGRATION") { $0["data"]?["device-state"] == "stop-copy" }
        for client in [pair.src, pair.dst] {
            let final = try client.waitForEvent("VFIO_MIGRATION_PROGRESS") {
                $0["data"]?["device-id"] == "gpu0" && $0["data"]?["phase"] == "completed"
            }
            #expect(final["data"]?["bytes-done"] == final["data"]?["bytes-total"], "\(final)")
        }
        try expectIdentical(pair)
    }

    @Test func mainChannelPathWithoutMultiFD() throws {
        let pair = try pair()
        try pair.setParameters(["max-bandwidth": 0])
        let info = try pair.migrate(to: pair.unixURI())
        #expect(info["vfio"]?["transferred"]?.int64Value ?? 0 > 0)
        let modes = try pair.dst.execute("x-query-vfio-migration").arrayValue?.compactMap { $0["mode"]?.stringValue }
        #expect(modes == ["main-channel", "main-channel", "main-channel"])
        try expectIdentical(pair)
    }

    @Test func propertyOffSendsThatDeviceOverTheMainChannelBesideMultiFD() throws {
        let mixed = Self.devices.map { $0.hasPrefix("vfio-pci,id=nic1") ? $0 + ",x-migration-multifd-transfer=off" : $0 }
        let pair = try pair(source: mixed, destination: mixed)
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4, "max-bandwidth": 0])
        _ = try pair.migrate(to: pair.unixURI())
        let modes = try pair.src.execute("x-query-vfio-migration").arrayValue?.compactMap { $0["mode"]?.stringValue }
        #expect(modes == ["multifd", "multifd", "main-channel"])
        try expectIdentical(pair)
    }

    @Test func multifdTransferOnButUnsupportedFailsSetupAndTheSourceKeepsRunning() throws {
        let forced = Self.devices.map { $0.hasPrefix("vfio-pci,id=gpu0") ? $0 + ",x-migration-multifd-transfer=on" : $0 }
        let pair = try pair(source: forced, destination: forced)
        let before = try pair.src.execute("x-query-digest")
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        let info = try pair.waitForStatus(pair.src, ["failed"])
        #expect(info["error-desc"]?.stringValue?.contains("Multifd device transfer requested but unsupported in the current config") == true, "\(info)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
        #expect(try pair.src.execute("x-query-digest")["devices"] == before["devices"])
    }

    @Test func transferModeMismatchBetweenTheEndsFailsTheMigration() throws {
        let off = Self.devices.map { $0 + ",x-migration-multifd-transfer=off" }
        let pair = try pair(destination: off)
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["max-bandwidth": 0])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["failed"])
        let destination = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(destination["error-desc"]?.stringValue?.contains("multifd") == true, "\(destination)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }

    @Test func destinationQueueLimitExceededFailsWithQEMUsText() throws {
        let slow = Self.devices.map {
            $0.hasPrefix("vfio-pci,id=gpu0") ? $0 + ",x-write-bandwidth=4M,x-migration-max-queued-buffers-size=2M" : $0
        }
        let pair = try pair(destination: slow)
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4, "max-bandwidth": 0])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        let destination = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(destination["error-desc"]?.stringValue?.contains("would exceed the size max of 2097152") == true, "\(destination)")
        try pair.waitForStatus(pair.src, ["failed"])
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }

    /// Cancel at switchover while the save threads are still busy with device state (slow source reads keep
    /// them there; the engine-level VFIOTests cover save threads blocked in the multifd send path itself).
    @Test func cancelWhileSaveThreadsAreBusy() throws {
        let slowSource = Self.devices.map { $0 + ",x-read-bandwidth=4M" }
        let pair = try pair(source: slowSource)
        try pair.setCapabilities(["multifd": true, "events": true])
        // At 4 MiB/s a device needs about a second: allow it, or the migration (rightly) never switches over.
        try pair.setParameters(["multifd-channels": 2, "max-bandwidth": 0, "downtime-limit": 5000])
        let before = try pair.src.execute("x-query-digest")
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["device"])
        usleep(300_000)
        let started = HostClock.monotonicSeconds
        try pair.src.execute("migrate_cancel")
        try pair.waitForStatus(pair.src, ["cancelled"], timeout: 20)
        #expect(HostClock.monotonicSeconds - started < 10)
        try pair.waitForStatus(pair.dst, ["failed"], timeout: 20)
        #expect(try pair.src.execute("query-status")["status"] == "running")
        let after = try pair.src.execute("x-query-digest")
        #expect(after["devices"] == before["devices"])
        let states = try pair.src.execute("x-query-vfio-migration").arrayValue?.compactMap { $0["device-state"]?.stringValue }
        #expect(states == ["running", "running", "running"])
    }

    @Test func differentDevicesOnTheEndsFailNamingTheDevice() throws {
        let pair = try pair(destination: Array(Self.devices.prefix(2)))
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["failed"])
        let destination = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(destination["error-desc"]?.stringValue?.contains("0000:00:07.0/vfio") == true, "\(destination)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }
}

extension VFIOMigrationIntegrationTests {
    @Test(arguments: [true, false])
    func deviceFailingMidReadFailsTheMigrationAndTheSourceKeepsRunning(multifd: Bool) throws {
        let faulty = Self.devices.map { $0.hasPrefix("vfio-pci,id=gpu0") ? $0 + ",x-fail-read-after=3M" : $0 }
        let pair = try DaemonPair(
            sourceArguments: faulty.flatMap { ["--device", $0] },
            destinationArguments: Self.devices.flatMap { ["--device", $0] })
        if multifd { try pair.setCapabilities(["multifd": true]) }
        try pair.setParameters(["max-bandwidth": 0])
        let before = try pair.src.execute("x-query-digest")
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        let info = try pair.waitForStatus(pair.src, ["failed"])
        #expect(info["error-desc"]?.stringValue?.hasPrefix("gpu0: reading") == true, "\(info)")
        try pair.waitForStatus(pair.dst, ["failed"])
        #expect(try pair.src.execute("query-status")["status"] == "running")
        #expect(try pair.src.execute("x-query-digest")["devices"] == before["devices"])
        let states = try pair.src.execute("x-query-vfio-migration").arrayValue?.compactMap { $0["device-state"]?.stringValue }
        #expect(states == ["running", "running", "running"])
    }
}
