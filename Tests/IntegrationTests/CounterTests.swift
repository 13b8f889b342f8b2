import Glibc
import JSON
import Testing
import VMigTesting

/// `query-migrate`'s figures against the bytes on the wire: two spawned `vmigd` with a ``CountingProxy`` between
/// them on the main channel and every multifd channel. Each figure must mean what QEMU's field of the same name
/// means: `transferred` every byte on every channel, `multifd-bytes` every byte on the multifd channels,
/// `precopy-bytes` + `downtime-bytes` the guest pages sent, `vfio.transferred` the device state.
@Suite("query-migrate's counters add up to the bytes a proxy counted", .serialized)
struct CounterTests {
    /// One device larger than guest RAM: counting its state as RAM made `downtime-bytes` exceed `total`.
    static let devices = ["vfio-pci,id=gpu0,x-state-size=40M", "vfio-pci,id=nic0,x-state-size=3M"]

    @Test("multifd: transferred, multifd-bytes, RAM bytes and pages, vfio.transferred match the proxy")
    func multifdCountersMatchTheWire() throws {
        let (pair, info, wire) = try migrateThroughProxy(multifd: true)
        let ram = info["ram"] ?? .emptyObject
        #expect(wire.channels == 3)
        #expect(ram.number("transferred") == Double(wire.total))
        #expect(ram.number("multifd-bytes") == Double(wire.multifd))
        #expect(info["vfio"]?.number("transferred") == Double(wire.deviceStatePayload))
        // With zero-page detection on the multifd channels every guest page travels in a RAM packet.
        let ramBytes = ram.number("precopy-bytes") + ram.number("downtime-bytes")
        #expect(ramBytes == Double(wire.ramPacketBytes))
        #expect(ram.number("normal") == Double(wire.normalPages))
        #expect(ram.number("duplicate") == Double(wire.zeroPages))
        try expectConsistent(info)
        try expectIdentical(pair)
    }

    @Test("main channel: transferred matches the proxy; RAM bytes hold the pages and no device state")
    func mainChannelCountersMatchTheWire() throws {
        let (pair, info, wire) = try migrateThroughProxy(multifd: false)
        let ram = info["ram"] ?? .emptyObject
        #expect(wire.channels == 0 && wire.multifd == 0)
        #expect(ram.number("transferred") == Double(wire.main))
        #expect(ram.number("multifd-bytes") == 0)
        // A page record is an 8-byte header and the page or one zero byte; the first record of a section also names
        // the block (7 bytes: length and `pc.ram`).
        let ramBytes = ram.number("precopy-bytes") + ram.number("downtime-bytes")
        let pageRecords = ram.number("normal") * (8 + 4096) + ram.number("duplicate") * (8 + 1)
        #expect(ramBytes >= pageRecords && (ramBytes - pageRecords).truncatingRemainder(dividingBy: 7) == 0,
                "\(ramBytes) RAM bytes for \(pageRecords) bytes of page records")
        try expectConsistent(info)
        try expectIdentical(pair)
    }

    @Test("a new migrate clears the devices' progress of the previous one")
    func nextMigrationStartsWithoutTheOldDevicePhase() throws {
        let pair = try DaemonPair(
            memory: "16M", sourceArguments: ["--device", Self.devices[1]], destinationArguments: ["--device", Self.devices[1]])
        try pair.setParameters(["max-bandwidth": 0])
        _ = try pair.migrate(to: pair.unixURI())
        #expect(try device(pair.src)["phase"] == "completed")
        // Nobody listens there: the second migration fails in setup, before any device is set up again.
        try pair.src.execute("migrate", ["uri": .string(pair.unixURI("nobody.sock"))])
        try pair.waitForStatus(pair.src, ["failed"])
        let after = try device(pair.src)
        #expect(after["phase"] == "idle" && after["mode"] == "none", "\(after)")
        #expect(after["read-bytes"] == 0 && after["sent-bytes"] == 0, "\(after)")
    }

    // MARK: Helpers

    /// What holds whatever the channel: RAM bytes within what went over the wire besides device state, downtime
    /// RAM within guest RAM, `normal-bytes` = pages × 4 KiB, every page sent at least once, and `mbps` = every
    /// byte over the total time less the setup time (QEMU's figure after completion).
    private func expectConsistent(_ info: JSONValue) throws {
        let ram = info["ram"] ?? .emptyObject
        let transferred = ram.number("transferred")
        let ramBytes = ram.number("precopy-bytes") + ram.number("downtime-bytes")
        let vfio = info["vfio"]?.number("transferred") ?? 0
        #expect(ram.number("precopy-bytes") > 0)
        #expect(vfio >= Double(43 << 20))
        #expect(ramBytes + vfio <= transferred)
        #expect(ram.number("downtime-bytes") <= ram.number("total"))
        #expect(ram.number("normal-bytes") == ram.number("normal") * 4096)
        #expect(ram.number("normal") + ram.number("duplicate") >= ram.number("total") / 4096)
        let transferTime = info.number("total-time") - info.number("setup-time")
        let mbps = transferred * 8 / transferTime / 1000
        #expect(abs(ram.number("mbps") - mbps) <= mbps * 1e-9, "mbps \(ram.number("mbps")) against \(mbps)")
    }

    private func expectIdentical(_ pair: DaemonPair) throws {
        let (source, destination) = try pair.digests()
        #expect(source["devices"]?.arrayValue?.count == Self.devices.count)
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
    }

    /// Migrates 24 MiB of guest RAM dirtied at 4 MiB/s and the two devices (multifd on 3 channels, or the main
    /// channel only) to a destination listening behind a counting proxy; returns the source's final
    /// `query-migrate` and the proxy's counts.
    private func migrateThroughProxy(multifd: Bool) throws -> (DaemonPair, JSONValue, CountingProxy.Counts) {
        let devices = Self.devices.flatMap { ["--device", $0] }
        let pair = try DaemonPair(
            memory: "24M", sourceArguments: devices + ["--dirty-rate", "4M"], destinationArguments: devices)
        try pair.setCapabilities(["multifd": multifd])
        try pair.setParameters(["multifd-channels": 3, "max-bandwidth": 0])
        let destination = pair.directory.path + "/dst.sock"
        _ = try pair.listen("unix:" + destination)
        let proxy = try CountingProxy(path: pair.directory.path + "/proxy.sock", destinationPath: destination)
        defer { proxy.close() }
        try pair.src.execute("migrate", ["uri": .string("unix:" + proxy.path)])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed"])
        #expect(info["status"] == "completed", "\(info)")
        try pair.waitForStatus(pair.dst, ["completed"])
        print("\(multifd ? "multifd" : "main channel"): proxy counted \(proxy.snapshot); query-migrate \(info)")
        return (pair, info, proxy.snapshot)
    }

    private func device(_ client: QMPTestClient) throws -> JSONValue {
        try client.execute("x-query-vfio-migration").arrayValue?.first ?? .emptyObject
    }
}

extension JSONValue {
    /// The member `key` as a number (0 when absent), for comparing counters.
    fileprivate func number(_ key: String) -> Double {
        switch self[key] {
        case .int(let value)?: return Double(value)
        case .uint(let value)?: return Double(value)
        case .double(let value)?: return value
        default: return 0
        }
    }
}
