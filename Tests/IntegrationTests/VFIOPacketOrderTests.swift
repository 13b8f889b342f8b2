import Glibc
import JSON
import Testing
import VMigTesting

/// Device-state packets between two spawned `vmigd` processes, put out of order, config first or duplicated by a
/// proxy on the multifd channels (the destination reorders by idx per device and refuses a
/// buffer it already has).
extension VFIOMigrationIntegrationTests {
    @Test("device-state packets in reverse idx order across channels, or each config first: identical state",
          arguments: [DeviceStatePacketProxy.Release.reversedAcrossChannels, .configFirst])
    func packetsOutOfOrderAcrossChannels(release: DeviceStatePacketProxy.Release) throws {
        let (pair, proxy) = try proxiedPair(release: release)
        defer { proxy.close() }
        try pair.src.execute("migrate", ["uri": .string("unix:" + proxy.path)])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed"])
        #expect(info["status"] == "completed", "\(info)")
        try pair.waitForStatus(pair.dst, ["completed"])
        #expect(proxy.hasReleased)
        try expectIdentical(pair)
    }

    @Test("a duplicated device-state packet fails the migration with QEMU's text; the source keeps running")
    func duplicatePacketFailsTheMigration() throws {
        let (pair, proxy) = try proxiedPair(release: .duplicateFirstPacket)
        defer { proxy.close() }
        let before = try pair.src.execute("x-query-digest")
        try pair.src.execute("migrate", ["uri": .string("unix:" + proxy.path)])
        let destination = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(destination["error-desc"]?.stringValue?.hasSuffix(": state buffer 0 already filled") == true, "\(destination)")
        try pair.waitForStatus(pair.src, ["failed"])
        #expect(try pair.src.execute("query-status")["status"] == "running")
        #expect(try pair.src.execute("x-query-digest")["devices"] == before["devices"])
    }

    /// Two daemons with the suite's devices, multifd on 3 channels, the destination listening behind a proxy.
    private func proxiedPair(release: DeviceStatePacketProxy.Release) throws -> (DaemonPair, DeviceStatePacketProxy) {
        let pair = try DaemonPair(
            sourceArguments: Self.devices.flatMap { ["--device", $0] },
            destinationArguments: Self.devices.flatMap { ["--device", $0] })
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 3, "max-bandwidth": 0])
        let destination = pair.directory.path + "/dst.sock"
        _ = try pair.listen("unix:" + destination)
        let proxy = try DeviceStatePacketProxy(
            path: pair.directory.path + "/proxy.sock", destinationPath: destination, devices: Self.devices.count,
            release: release)
        return (pair, proxy)
    }
}
