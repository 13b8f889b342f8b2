import Foundation
import JSON
import Migration
import StreamAnalysis
import Testing
import VMigTesting

/// `vmig analyze` on streams recorded by `vmig tap` between two real `vmigd`: with VFIO devices, over multifd and over
/// the main channel; the per-device idx check on captures edited by the test.
@Suite("vmig analyze on vmig ⇄ vmig captures", .serialized)
struct AnalyzeCaptureTests {
    static let devices = [
        "vfio-pci,id=gpu0,x-state-size=6M",
        "vfio-pci,id=nic0,x-state-size=3M,x-precopy-size=1M",
        "vfio-pci,id=nic1,x-state-size=1M",
    ]
    static let idstrs = ["0000:00:05.0/vfio", "0000:00:06.0/vfio", "0000:00:07.0/vfio"]

    @Test func multifdWithDevices() throws {
        let migration = try TappedMigration(devices: Self.devices, channels: 4)
        let (source, destination) = try migration.pair.digests()
        #expect(source == destination)
        let analysis = StreamAnalysis.analyze(paths: migration.files, dumpDirectory: migration.path("dump"))
        #expect(analysis.error == nil, "\(String(describing: analysis.error))")
        #expect(analysis.isClean, "\(analysis.problems) \(analysis.devices.flatMap(\.problems))")
        let main = try #require(analysis.main)
        #expect(main.machine == "vmig")
        #expect(main.capabilities == ["multifd"])
        #expect(main.configuration?["configuration/vmig"]?["multifd-channels"]?.uint64Value == 4)
        #expect(main.records.filter { $0.kind == "command" }.map(\.command) == ["SWITCHOVER_START"])
        #expect(main.records.last?.kind == "vmdesc")
        #expect(Set(main.records.compactMap(\.idstr)) == Set(["ram"] + Self.idstrs))
        #expect(main.records.filter { $0.kind == "full" }.map(\.idstr) == Self.idstrs)
        #expect(main.ram.blocks.map(\.name) == ["pc.ram"])
        #expect(main.ram.blocks.first?.normalPages == 0, "with multifd the pages travel on the channels")
        #expect(main.ram.flushes >= 1)
        #expect(main.vfio.map(\.idstr) == Self.idstrs)
        #expect(main.vfio.allSatisfy { $0.flags["DEV_SETUP_STATE"] == 1 && $0.stopCopyBytes == 0 && $0.configBytes == 0 })
        #expect(main.vfio[1].precopyBytes >= 1 << 20, "nic0 has 1 MiB of precopy data")

        #expect(analysis.channels.map(\.id).sorted() == [0, 1, 2, 3])
        #expect(Set(analysis.channels.map(\.uuid)).count == 1)
        #expect(analysis.channels.allSatisfy { $0.syncPackets >= 1 })
        let pages = analysis.channels.reduce(0) { $0 + $1.normalPages + $1.zeroPages }
        #expect(pages >= (64 << 20) / 4096, "every page went over some channel")
        #expect(analysis.devices.map(\.idstr) == Self.idstrs)
        #expect(analysis.devices.allSatisfy { $0.isWhole && $0.configIdx.count == 1 })
        #expect(analysis.devices[0].dataBytes >= 6 << 20)
        let vfio = analysis.channels.reduce(0) { $0 + $1.deviceStateBytes } + main.vfio.reduce(0) { $0 + $1.precopyBytes }
        #expect(vfio > 10 << 20)
        try expectDumpEqualsSourceRAM(migration.path("dump/pc.ram"))
    }

    @Test func mainChannelWithDevicesAndSwitchoverAck() throws {
        let migration = try TappedMigration(devices: Self.devices, channels: 0,
                                            capabilities: ["return-path": true, "switchover-ack": true])
        let (source, destination) = try migration.pair.digests()
        #expect(source == destination)
        let analysis = StreamAnalysis.analyze(paths: migration.files, dumpDirectory: migration.path("dump"))
        #expect(analysis.isClean, "\(String(describing: analysis.error))")
        let main = try #require(analysis.main)
        #expect(main.capabilities == ["return-path", "switchover-ack"])
        #expect(main.records.filter { $0.kind == "command" }.map(\.command) == ["OPEN_RETURN_PATH", "SWITCHOVER_START"])
        #expect(main.vfio.contains { !$0.switchoverAckOffsets.isEmpty && $0.flags["DEV_INIT_DATA_SENT"] == 1 })
        #expect(analysis.channels.isEmpty && analysis.devices.isEmpty)
        #expect(main.ram.blocks.first?.normalPages ?? 0 >= (64 << 20) / 4096)
        #expect(main.ram.flushes == 0)
        #expect(main.vfio.map(\.idstr) == Self.idstrs)
        for device in main.vfio {
            #expect(device.flags["DEV_CONFIG_STATE"] == 1)
            #expect(device.configBytes > 0)
        }
        #expect(main.vfio[0].stopCopyBytes >= 6 << 20)
        #expect(main.vfio[2].stopCopyBytes >= 1 << 20)
        let described = try #require(main.description?["devices"]?.arrayValue)
        #expect(described.compactMap { $0["name"]?.stringValue } == Self.idstrs)
        try expectDumpEqualsSourceRAM(migration.path("dump/pc.ram"))
    }

    /// The source's RAM is `--memory-fill random` (seed 1) and no workload ran: the dump must be exactly that.
    private func expectDumpEqualsSourceRAM(_ path: String) throws {
        let dumped = try CaptureFile.read(path)
        let expected = try GuestMemory(size: 64 << 20, fill: .random(seed: 1))
        #expect(dumped.count == expected.size)
        let same = dumped.withUnsafeBytes { memcmp($0.baseAddress!, expected.base, expected.size) == 0 }
        #expect(same, "the dumped RAM differs from the source's")
    }

    @Test func idxCheckCatchesDroppedDuplicatedAndReorderedPackets() throws {
        let migration = try TappedMigration(devices: ["vfio-pci,id=gpu0,x-state-size=12M"], channels: 2)
        let original = StreamAnalysis.analyze(paths: migration.files)
        #expect(original.isClean)
        // A channel with at least two data packets of the device (12 packets over 2 channels).
        let channelIndex = try #require(original.channels.firstIndex { channel in
            channel.packets.filter { $0.kind == "device-state" && !$0.isConfig }.count >= 2
        })
        let channel = original.channels[channelIndex]
        let path = migration.files[channelIndex + 1]
        #expect(channel.file == path)
        let bytes = try CaptureFile.read(path)
        let packets = channel.packets.filter { $0.kind == "device-state" && !$0.isConfig }
        let (first, second) = (packets[0], packets[1])
        func span(_ packet: ChannelPacket) -> Range<Int> { packet.offset..<(packet.dataOffset + packet.size) }

        var dropped = bytes
        dropped.removeSubrange(span(first))
        let droppedCheck = try check(dropped, replacing: path, in: migration)
        #expect(droppedCheck.missing == [first.idx!], "\(droppedCheck.problems)")
        #expect(droppedCheck.duplicates.isEmpty && droppedCheck.outOfOrder.isEmpty)

        var duplicated = bytes
        duplicated.insert(contentsOf: bytes[span(first)], at: span(first).upperBound)
        let duplicatedCheck = try check(duplicated, replacing: path, in: migration)
        #expect(duplicatedCheck.duplicates == [first.idx!], "\(duplicatedCheck.problems)")
        #expect(duplicatedCheck.missing.isEmpty)

        var reordered = Array(bytes[..<span(first).lowerBound])
        reordered += bytes[span(second)]
        reordered += bytes[span(first).upperBound..<span(second).lowerBound]
        reordered += bytes[span(first)]
        reordered += bytes[span(second).upperBound...]
        #expect(reordered.count == bytes.count)
        let reorderedCheck = try check(reordered, replacing: path, in: migration)
        #expect(reorderedCheck.outOfOrder.map(\.idx) == [first.idx!], "\(reorderedCheck.problems)")
        #expect(reorderedCheck.missing.isEmpty && reorderedCheck.duplicates.isEmpty)
        #expect(!reorderedCheck.isWhole)

        // The CLI reports the same and exits 1.
        try CaptureFile.write(dropped, to: migration.path("edited.mig"))
        let files = migration.files.map { $0 == path ? migration.path("edited.mig") : $0 }
        let run = try VMigAnalyzeRun(files)
        #expect(run.status == 1)
        #expect(run.output.contains("missing idx \(first.idx!)"), "\(run.output)")
    }

    /// Analyses the migration with `path` replaced by `bytes`; returns the check of its one device.
    private func check(_ bytes: [UInt8], replacing path: String, in migration: TappedMigration) throws -> DeviceIndexCheck {
        let edited = migration.path("edited.mig")
        try CaptureFile.write(bytes, to: edited)
        let analysis = StreamAnalysis.analyze(paths: migration.files.map { $0 == path ? edited : $0 })
        #expect(analysis.error == nil, "\(String(describing: analysis.error))")
        return try #require(analysis.devices.first)
    }
}

/// `vmig analyze FILES…` run as a process; its exit status and output (stdout and stderr).
struct VMigAnalyzeRun {
    let status: Int32?
    let output: String

    init(_ arguments: [String]) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-analyze")
        let process = try DaemonProcess(binary: "vmig", arguments: ["analyze"] + arguments, socketPath: "",
                                        logPath: directory.path + "/out.log")
        status = process.waitForExit(timeout: 60)
        output = process.log
    }
}
