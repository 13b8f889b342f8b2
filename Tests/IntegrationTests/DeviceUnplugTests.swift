import JSON
import Testing
import VMigTesting

/// `device_del` between two spawned `vmigd` processes: an unplugged device leaves the migration, the run-state
/// changes and its PCI slot behind.
@Suite("device_del in a running vmigd", .serialized)
struct DeviceUnplugTests {
    @Test func anUnpluggedDeviceIsNotMigratedToADestinationWithoutIt() throws {
        let pair = try DaemonPair(sourceArguments: ["--device", "vfio-pci,id=gone,x-state-size=1M"])
        try pair.src.execute("device_del", ["id": "gone"])
        _ = try pair.src.waitForEvent("DEVICE_DELETED")
        let info = try pair.migrate(to: pair.unixURI())
        #expect(info["vfio"] == nil, "\(info)")
        let (source, destination) = try pair.digests()
        #expect(source["devices"] == nil)
        #expect(source == destination)
    }

    @Test func anUnpluggedDeviceNoLongerFollowsTheRunState() throws {
        let pair = try DaemonPair(sourceArguments: ["--device", "vfio-pci,id=gone,migration-events=on"])
        try pair.src.execute("device_del", ["id": "gone"])
        _ = try pair.src.waitForEvent("DEVICE_DELETED")
        try pair.src.execute("stop")
        _ = try pair.src.waitForEvent("STOP")
        try pair.src.execute("cont")
        _ = try pair.src.waitForEvent("RESUME")
        let vfioEvents = pair.src.takeEvents().filter { $0["event"] == "VFIO_MIGRATION" }
        #expect(vfioEvents.isEmpty, "\(vfioEvents)")
    }

    @Test func deviceDelFreesThePCISlotForTheNextDeviceAdd() throws {
        let pair = try DaemonPair()
        // Bus 0 has 27 free slots (5 to 31): without freeing them, the 28th device_add fails for good.
        for cycle in 0..<40 {
            try pair.src.execute("device_add", ["driver": "vfio-pci", "id": .string("dev\(cycle)")])
            try pair.src.execute("device_del", ["id": .string("dev\(cycle)")])
            _ = try pair.src.waitForEvent("DEVICE_DELETED")
        }
        #expect(try pair.src.execute("qom-list", ["path": "/machine/peripheral"]) == .array([]))
    }
}
