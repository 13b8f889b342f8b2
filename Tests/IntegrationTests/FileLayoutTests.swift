import Glibc
import JSON
import Migration
import StreamAnalysis
import Testing
import VMigTesting

/// The files `vmigd` writes with `migrate file:` read back by `vmig analyze`, and the mapped-ram layout compared with
/// the one QEMU 10.0 writes for the same RAM size: the `MappedRamHeader` fields, the 1 MiB-aligned pages region, the
/// bitmap, and the RAM records around them. (Only the machine type differs between the two VMs: vmig's sections vs
/// QEMU's `-machine none`.)
@Suite("file: layouts of vmigd and QEMU 10.0", .serialized)
struct FileLayoutTests {
    /// vmigd's `file:` stream is clean for `vmig analyze`, and the RAM it dumps has the source's digest.
    @Test(arguments: [[], ["mapped-ram"], ["mapped-ram", "multifd"]])
    func vmigdFileIsReadByAnalyze(capabilities: [String]) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-layout")
        let stream = directory.path + "/vm.mig"
        let source = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: [
            "-m", "64M", "--device", "vfio-pci,id=gpu0,x-state-size=2M",
        ])
        defer { source.terminate() }
        let src = try QMPTestClient(path: source.socketPath)
        try FileTransportTests.prepare(src, capabilities: capabilities)
        try src.execute("migrate", ["uri": .string("file:" + stream)])
        #expect(try src.waitForMigrationStatus(["completed", "failed"], timeout: 60)["status"] == "completed")
        let digest = try src.execute("x-query-digest")["ram"]?.stringValue

        let analysis = StreamAnalysis.analyze(paths: [stream], dumpDirectory: directory.path + "/dump")
        #expect(analysis.isClean, "\(String(describing: analysis.error)) \(analysis.problems)")
        let main = try #require(analysis.main)
        #expect(main.machine == "vmig")
        #expect(main.capabilities.sorted() == capabilities.sorted())
        let block = try #require(main.ram.blocks.first)
        #expect(block.name == "pc.ram" && block.length == 64 << 20)
        if capabilities.contains("mapped-ram") {
            #expect(block.mappedPages == 16384 && block.normalPages == 0 && block.zeroPages == 0)
            #expect(main.ram.flushes == 0)
        } else {
            #expect(block.normalPages == 16384 && block.mappedPages == nil)
        }
        #expect(main.vfio.map(\.idstr) == ["0000:00:05.0/vfio"])

        let dumped = try CaptureFile.read(directory.path + "/dump/pc.ram")
        let memory = try GuestMemory(size: 64 << 20, fill: .zero)
        dumped.withUnsafeBytes { memory.base.copyMemory(from: $0.baseAddress!, byteCount: min($0.count, memory.size)) }
        #expect(dumped.count == memory.size)
        #expect(memory.digest() == digest)
    }

    /// QEMU's mapped-ram file (saved by one QEMU and restored by another, RAM compared byte for byte) and vmigd's
    /// have the same layout: header fields, bitmap right after it, pages from the first 1 MiB boundary, the stream
    /// going on at the end of the region, every page present, no flush markers.
    @Test func mappedRAMLayoutMatchesQEMU() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-layout")
        let backing = "/dev/shm/vmig-layout-\(getpid())"
        let restored = "/dev/shm/vmig-layout-\(getpid())-restored"
        defer {
            unlink(backing)
            unlink(restored)
        }
        let memory = try GuestMemory(size: 64 << 20, fill: .random(seed: 11))
        try CaptureFile.write(Array(UnsafeRawBufferPointer(start: memory.base, count: memory.size)), to: backing)
        try CaptureFile.write([UInt8](repeating: 0, count: memory.size), to: restored)
        let qemuStream = directory.path + "/qemu.mig"
        do {
            let qemu = try QEMUPeer(in: directory, memoryFile: backing)
            try qemu.save(to: qemuStream, capabilities: ["mapped-ram"])
        }
        do {
            let restoreDirectory = try TemporaryDirectory(prefix: "vmig-layout-restore")
            let qemu = try QEMUPeer(in: restoreDirectory, memoryFile: restored, incoming: true)
            try qemu.restore(from: qemuStream, capabilities: ["mapped-ram"])
        }
        #expect(try CaptureFile.read(restored) == CaptureFile.read(backing), "QEMU's restore differs from its RAM")

        let vmigStream = directory.path + "/vmig.mig"
        let source = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: ["-m", "64M"])
        defer { source.terminate() }
        let src = try QMPTestClient(path: source.socketPath)
        try FileTransportTests.prepare(src, capabilities: ["mapped-ram"])
        try src.execute("migrate", ["uri": .string("file:" + vmigStream)])
        #expect(try src.waitForMigrationStatus(["completed", "failed"], timeout: 60)["status"] == "completed")

        let qemuLayout = try Layout(stream: qemuStream, blockName: "ram")
        let vmigLayout = try Layout(stream: vmigStream, blockName: "pc.ram")
        #expect(qemuLayout.shape == vmigLayout.shape, "QEMU \(qemuLayout.shape) vs vmig \(vmigLayout.shape)")
        #expect(vmigLayout.shape.pagesOffset == 1 << 20)
    }

    /// What is compared of one mapped-ram file.
    struct Layout {
        struct Shape: Equatable {
            var version: UInt32
            var pageSize: UInt64
            /// The bitmap starts right after the 28-byte header.
            var bitmapFollowsHeader: Bool
            var pagesOffset: UInt64
            /// The RAM records after START begin at the end of the pages region.
            var streamResumesAfterPages: Bool
            var bitmapBitsSet: Int
            var ramSectionKinds: [String]
            var mappedPages: Int?
            var normalPages: Int
            var zeroPages: Int
            var flushes: Int
            var endOfSectionsPerSection: Bool
        }

        let shape: Shape

        init(stream: String, blockName: String) throws {
            let analysis = StreamAnalysis.analyze(paths: [stream])
            #expect(analysis.isClean, "\(String(describing: analysis.error))")
            let main = try #require(analysis.main)
            let bytes = try CaptureFile.read(stream)
            let ram = main.records.filter { $0.idstr == "ram" }
            let start = try #require(ram.first)
            // START: type, id, idstr, instance, version; MEM_SIZE word; block name; block length; then the header.
            let header = start.offset + 1 + 4 + 1 + 3 + 4 + 4 + 8 + 1 + blockName.utf8.count + 8
            func be(_ at: Int, _ count: Int) -> UInt64 {
                bytes[at..<at + count].reduce(0) { $0 << 8 | UInt64($1) }
            }
            let bitmapOffset = be(header + 12, 8)
            let pagesOffset = be(header + 20, 8)
            let bitmap = bytes[Int(bitmapOffset)..<Int(bitmapOffset) + 16384 / 8]
            let block = try #require(main.ram.blocks.first)
            shape = Shape(
                version: UInt32(be(header, 4)), pageSize: be(header + 4, 8),
                bitmapFollowsHeader: bitmapOffset == UInt64(header + 28), pagesOffset: pagesOffset,
                streamResumesAfterPages: ram.dropFirst().allSatisfy { UInt64($0.offset) >= pagesOffset + (64 << 20) },
                bitmapBitsSet: bitmap.reduce(0) { $0 + $1.nonzeroBitCount },
                ramSectionKinds: Array(Set(ram.map(\.kind))).sorted(), mappedPages: block.mappedPages,
                normalPages: block.normalPages, zeroPages: block.zeroPages, flushes: main.ram.flushes,
                endOfSectionsPerSection: main.ram.endOfSections == ram.count)
        }
    }
}
