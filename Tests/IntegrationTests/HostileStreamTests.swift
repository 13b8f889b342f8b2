import Glibc
import JSON
import Migration
import Testing
import VMigTesting

/// Crafted migration streams against a spawned destination `vmigd` (32 MiB RAM, one 2 MiB device, multifd with
/// two channels). Each one fails that migration with the reference's error while the peer keeps its connections
/// open, the destination's memory stays bounded and its descriptors return to baseline, and it accepts the next
/// one; a real migration completes at the end.
@Suite("Hostile migration streams against a vmigd destination", .serialized, .timeLimit(.minutes(5)))
struct HostileStreamTests {
    typealias S = HostileStream

    static let device = "vfio-pci,id=gpu0,x-state-size=2M"
    static let mib = [UInt8](repeating: 0x5A, count: 1 << 20)

    /// Streams whose error is known exactly.
    static let exact: [HostileStream] = [
        S(name: "bad main magic", expectedError: "unknown channel magic: 47415242", main: Array("GARBAGE!".utf8)),
        S(name: "unsupported version", expectedError: "Unsupported migration stream version",
          main: [0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 7]),
        S(name: "obsolete version 2", expectedError: "SaveVM v2 format is obsolete and don't work anymore",
          main: [0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 2]),
        S(name: "truncated header", expectedError: "Unexpected end-of-file before all data were read",
          main: [0x51, 0x45, 0x56, 0x4D, 0, 0], closeMain: true),
        S(name: "unknown section idstr", expectedError: "Unknown savevm section or instance 'bogus' 0. Make sure that "
            + "your current VM setup matches your saved VM setup, including any hotplugged devices",
          main: S.streamStart + [0x01, 0, 0, 0, 9, 5] + Array("bogus".utf8) + [0, 0, 0, 0, 0, 0, 0, 1]),
        S(name: "section idstr cut short", expectedError: "Unexpected end-of-file before all data were read",
          main: S.streamStart + [0x01, 0, 0, 0, 9, 200] + Array("abc".utf8), closeMain: true),
        S(name: "unknown section type", expectedError: "Unknown savevm section type 99", main: S.streamStart + [99]),
        S(name: "unknown command", expectedError: "MIG_CMD 77 unknown (len 0x0)", main: S.streamStart + [0x08, 0, 77, 0, 0]),
        S(name: "hello version", expectedError: "multifd: received packet version 2 expected 1",
          main: S.streamStart, channels: [S.hello(0, version: 2)]),
        S(name: "hello with another VM's UUID", expectedError: "multifd: received uuid "
            + "'01010101-0101-0101-0101-010101010101' and expected uuid '00000000-0000-0000-0000-000000000000' for channel 0",
          main: S.streamStart, channels: [S.hello(0, uuid: [UInt8](repeating: 1, count: 16))]),
        S(name: "channel id out of range", expectedError: "multifd: received channel id 5 is greater than number of channels 2",
          main: S.streamStart, channels: [S.hello(5)]),
        S(name: "duplicate channel id", expectedError: "multifd: received id '0' already setup'",
          main: S.streamStart, channels: [S.hello(0), S.hello(0)]),
        S.onChannel("packet magic", "multifd: received packet magic deadbeef, expected 11223344",
                    [0xDE, 0xAD, 0xBE, 0xEF] + S.be32(1) + S.be32(S.deviceStateFlag)),
        S.onChannel("packet version", "multifd: received packet version 9, expected 1",
                    S.be32(0x1122_3344) + S.be32(9) + S.be32(S.deviceStateFlag)),
        S.onChannel("device state flagged SYNC", "multifd: received SYNC device state packet", {
            var header = MultiFDDeviceStateHeader(idstr: S.deviceIdstr, instanceID: 0, payloadSize: 16)
            header.flags = S.deviceStateFlag | S.syncFlag
            return header.encode() + [UInt8](repeating: 0, count: 16)
        }()),
        S.onChannel("empty device state packet", "multifd: received empty device state packet",
                    MultiFDDeviceStateHeader(idstr: S.deviceIdstr, instanceID: 0, payloadSize: 0).encode()),
        S.onChannel("unterminated idstr", "unterminated multifd device state idstr", {
            var bytes = MultiFDDeviceStateHeader(idstr: "x", instanceID: 0, payloadSize: 16).encode()
            for index in 12..<268 { bytes[index] = 0x41 }
            return bytes + [UInt8](repeating: 0, count: 16)
        }()),
        S.onChannel("unknown idstr", "Unknown idstr nosuch or instance id 0 for load state buffer",
                    S.devicePacket(idx: 0, data: [1, 2, 3], idstr: "nosuch")),
        S.onChannel("oversize length", "multifd: device state packet of 100000000 bytes exceeds the limit of 67108864 bytes",
                    MultiFDDeviceStateHeader(idstr: S.deviceIdstr, instanceID: 0, payloadSize: 100_000_000).encode()),
        S.onChannel("4 GiB length", "multifd: device state packet of 4294967295 bytes exceeds the limit of 67108864 bytes",
                    MultiFDDeviceStateHeader(idstr: S.deviceIdstr, instanceID: 0, payloadSize: .max).encode()),
        S.onChannel("VFIO packet too short", "gpu0: packet too short at 5 (min is 12)",
                    MultiFDDeviceStateHeader(idstr: S.deviceIdstr, instanceID: 0, payloadSize: 5).encode() + [1, 2, 3, 4, 5]),
        S.onChannel("VFIO packet version", "gpu0: packet has unknown version 7", S.devicePacket(idx: 0, data: [1], version: 7)),
        S.onChannel("idx out of range", "gpu0: packet index is invalid", S.devicePacket(idx: .max, data: [1])),
        S.onChannel("duplicate idx", "gpu0: state buffer 1 already filled",
                    S.devicePacket(idx: 1, data: [1]) + S.devicePacket(idx: 1, data: [2])),
        S.onChannel("truncated packet", "Unexpected end-of-file before all data were read", close: true,
                    Array(S.devicePacket(idx: 1, data: [UInt8](repeating: 7, count: 1000)).prefix(376))),
        S.onChannel("RAM offset beyond RAM", "multifd: offset too long 67108864 (max 2000000)",
                    MultiFDRAMPacket(packetNumber: 0, normalOffsets: [], zeroOffsets: [64 << 20]).encode()),
        // Defect 11: a load thread's failure fails the migration at once, with the peer's channels still open.
        S.onChannel("corrupt data at idx 0", "gpu0: writing state buffer 0 failed: 22", switchover: true,
                    S.devicePacket(idx: 0, data: [UInt8](repeating: 0xAB, count: 64))),
        S.onChannel("config packet with a bad tag", "gpu0: expected FLAG_DEV_CONFIG_STATE but got 1234", switchover: true,
                    S.devicePacket(idx: 0, data: S.be64(0x1234), vfioFlags: 1)),
    ]

    /// Floods past the reorder buffer's default limits (defect 3): idx 1…N and never idx 0. The limits derive
    /// from the device's state size, so the texts are checked up to the limit's value.
    static let floods: [(HostileStream, String)] = [
        (S.onChannel("flood of 1 MiB packets", "", (1...40).flatMap { S.devicePacket(idx: UInt32($0), data: mib) }),
         "gpu0: queuing state buffer 7 would exceed the size max of "),
        (S.onChannel("flood of 1-byte packets", "", (1...5000).flatMap { S.devicePacket(idx: UInt32($0), data: [9]) }),
         "gpu0: queuing state buffer "),
    ]

    private func startDestination(in directory: TemporaryDirectory) throws -> (DaemonProcess, QMPTestClient) {
        let process = try DaemonProcess.vmigd(in: directory, name: "dst",
                                              extraArguments: ["-m", "32M", "--incoming", "defer", "--device", Self.device])
        let client = try QMPTestClient(path: process.socketPath)
        try client.execute("migrate-set-capabilities", ["capabilities": [["capability": "multifd", "state": true]]])
        try client.execute("migrate-set-parameters", ["multifd-channels": .integer(HostileStream.channelCount)])
        return (process, client)
    }

    /// Runs one crafted migration; returns the destination's `error-desc`.
    private func run(_ stream: HostileStream, destination: DaemonProcess, client: QMPTestClient, path: String,
                     baseline: ProcessResources) throws -> String {
        try client.execute("migrate-incoming", ["uri": .string("unix:" + path), "exit-on-error": false])
        let open = try stream.send(to: path)
        defer { open.close() }
        var info: JSONValue
        do {
            info = try client.waitForMigrationStatus(["failed", "completed"], timeout: 15, pollMicroseconds: 10_000)
        } catch {
            // Not failed in time: recorded, then ended by a cancel so that the next stream can be tried.
            Issue.record("\(stream): \(error)")
            try client.execute("migrate_cancel")
            info = try client.waitForMigrationStatus(["failed"], timeout: 15, pollMicroseconds: 10_000)
        }
        open.close()
        let counts = ProcessResources.waitForBaseline(destination.pid, baseline)
        #expect(counts?.isWithin(baseline) == true, "\(stream): \(counts?.description ?? "gone") after, \(baseline) before")
        return info["error-desc"]?.stringValue ?? "no error: \(info)"
    }

    @Test func everyCraftedStreamFailsThatMigrationAndTheNextOneCompletes() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-hostile")
        let (destination, dst) = try startDestination(in: directory)
        defer { destination.terminate() }
        let path = directory.path + "/mig.sock"
        let baseline = try #require(ProcessResources.of(destination.pid))
        let residentBefore = try #require(ProcessResources.residentBytes(of: destination.pid))
        var tried = 0
        for stream in Self.exact {
            let error = try run(stream, destination: destination, client: dst, path: path, baseline: baseline)
            #expect(error == stream.expectedError, "\(stream)")
            tried += 1
        }
        for (stream, prefix) in Self.floods {
            let error = try run(stream, destination: destination, client: dst, path: path, baseline: baseline)
            #expect(error.hasPrefix(prefix), "\(stream): \(error)")
            #expect(error.contains("would exceed the"), "\(stream): \(error)")
            tried += 1
        }
        let residentAfter = try #require(ProcessResources.residentBytes(of: destination.pid))
        #expect(residentAfter < residentBefore + 64 << 20 + ProcessMemory.sanitizerSlackBytes, "RSS \(residentBefore >> 20) -> \(residentAfter >> 20) MiB")
        #expect(tried == Self.exact.count + Self.floods.count)

        // The destination still takes a real migration.
        let source = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: ["-m", "32M", "--device", Self.device])
        defer { source.terminate() }
        let src = try QMPTestClient(path: source.socketPath)
        try src.prepareMigration(channels: HostileStream.channelCount)
        try dst.execute("migrate-incoming", ["uri": .string("unix:" + path), "exit-on-error": false])
        try src.execute("migrate", ["uri": .string("unix:" + path)])
        _ = try src.waitForMigrationCompleted(timeout: 60)
        try dst.waitForMigrationStatus(["completed"], timeout: 30)
        #expect(try src.execute("x-query-digest") == dst.execute("x-query-digest"))
    }

    /// QEMU's configuration subsections, crafted, against `vmigd --machine none` restoring from a file: each is
    /// refused with QEMU's text (or vmig's, where QEMU has none), and the VM stays ready for the next restore.
    @Test(arguments: [
        ([S.capabilities(["foo"])], "Received unknown capability foo"),
        ([S.capabilities(["x-ignore-shared"])], "Capability x-ignore-shared is off, but received capability is on"),
        ([S.capabilities(["mapped-ram", "x-ignore-shared"])], "Capability x-ignore-shared is off, but received "
            + "capability is on; Capability mapped-ram is off, but received capability is on"),
        ([S.subsection("configuration/capabilities", S.be32(100_000))],
         "configuration/capabilities: 100000 capabilities listed, more than the 22 that exist"),
        ([S.subsection("configuration/target-page-bits", S.be32(16))], "Received TARGET_PAGE_BITS is 16 but local is 12"),
        ([S.subsection("configuration/target-page-bits", S.be32(12)), S.capabilities(["bogus"])],
         "Received unknown capability bogus"),
        ([S.subsection("configuration/uuid", [UInt8](repeating: 7, count: 16)), S.subsection("configuration/bogus", [])],
         "Subsection 'configuration/bogus' of 'configuration' is not supported by vmig"),
        ([S.subsection("configuration/capabilities", S.be32(0), version: 2)],
         "savevm: unsupported version 2 for 'configuration/capabilities' v1"),
    ])
    func machineNoneConfigurationSubsections(subsections: [[UInt8]], expected: String) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-hostile-config")
        defer { directory.remove() }
        let process = try DaemonProcess.vmigd(in: directory, name: "dst",
                                              extraArguments: ["--machine", "none", "-m", "32M", "--incoming", "defer"])
        defer { process.terminate() }
        let client = try QMPTestClient(path: process.socketPath)
        let path = directory.path + "/crafted.mig"
        let name = Array("none".utf8)
        try CaptureFile.write([0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 3, 0x07] + S.be32(UInt32(name.count)) + name
                              + subsections.joined() + [0x1F], to: path)
        try client.execute("migrate-incoming", ["uri": .string("file:" + path), "exit-on-error": false])
        let info = try client.waitForMigrationStatus(["failed", "completed"], timeout: 15)
        #expect(info["error-desc"]?.stringValue == expected, "\(info)")
        #expect(try client.execute("query-status")["status"]?.stringValue == "inmigrate")
    }
}
