import Foundation
import JSON
import Migration
import StreamAnalysis
import Testing
import VMigTesting

/// `vmig analyze` on streams a real QEMU 10.0 (`-machine none`) saved with `migrate file:`.
@Suite("vmig analyze on QEMU 10.0 streams", .serialized)
struct AnalyzeQEMUStreamTests {
    @Test func pausedMachineNone() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu")
        let stream = directory.path + "/qemu.mig"
        do {
            let qemu = try QEMUPeer(in: directory)
            try qemu.save(to: stream)
        }
        let analysis = StreamAnalysis.analyze(paths: [stream])
        #expect(analysis.isClean, "\(String(describing: analysis.error))")
        let main = try #require(analysis.main)
        #expect(main.machine == "none")
        #expect(main.capabilities.isEmpty)
        #expect(main.pageSize == 4096)
        let sections = main.records.filter { $0.sectionID != nil }
        #expect(sections.filter { $0.idstr == "ram" }.map(\.kind) == ["start", "part", "end"])
        #expect(sections.filter { $0.kind == "full" }.compactMap(\.idstr) == ["timer", "globalstate"])
        #expect(main.records.filter { $0.kind == "command" }.map(\.command) == ["SWITCHOVER_START"])
        #expect(main.records.suffix(2).map(\.kind) == ["eof", "vmdesc"])
        #expect(main.ram.blocks == [RAMBlockReport(name: "ram", length: 64 << 20, normalPages: 0, zeroPages: 16384)])
        #expect(main.ram.endOfSections == 3)
        #expect(main.described.map(\.idstr) == ["timer", "globalstate"])
        let timer = main.described[0].fields
        #expect(timer.objectValue?.keys.elementsEqual(["cpu_ticks_offset", "unused", "cpu_clock_offset"]) == true)
        let globalState = main.described[1].fields
        #expect(globalState["size"]?.uint64Value == 10)
        let runstate = "prelaunch".utf8.map { String($0, radix: 16) }.joined(separator: " ")
        #expect(globalState["runstate"]?.stringValue?.hasPrefix(runstate) == true, "\(globalState)")

        // The CLI's JSON document says the same.
        let run = try VMigAnalyzeRun(["--json", stream])
        #expect(run.status == 0, "\(run.output)")
        var decoder = JSONStreamDecoder()
        decoder.feed(Array(run.output.utf8))
        guard case .value(let document)? = decoder.next() else { Issue.record("no JSON: \(run.output)"); return }
        #expect(document["schema"] == "vmig-analyze/1")
        #expect(document["main"]?["ram"]?["blocks"]?.arrayValue?.first?["zero-pages"]?.uint64Value == 16384)
        #expect(document["main"]?["sections"]?.arrayValue?.last?["idstr"] == "globalstate")
    }

    /// RAM backed by a file of random bytes: every page travels with data (as normal pages, or in the mapped-ram
    /// region, which multifd channels fill in place), and `--dump-memory` writes back exactly the file.
    @Test(arguments: [[], ["mapped-ram"], ["mapped-ram", "multifd"]])
    func randomRAMDumpsBackExactly(capabilities: [String]) throws {
        let mappedRAM = capabilities.contains("mapped-ram")
        let directory = try TemporaryDirectory(prefix: "vmig-qemu")
        let backing = "/dev/shm/vmig-qemu-ram-\(getpid())-\(capabilities.count)"
        defer { unlink(backing) }
        let memory = try GuestMemory(size: 64 << 20, fill: .random(seed: 7))
        try CaptureFile.write(Array(UnsafeRawBufferPointer(start: memory.base, count: memory.size)), to: backing)
        let stream = directory.path + "/qemu.mig"
        do {
            let qemu = try QEMUPeer(in: directory, memoryFile: backing)
            try qemu.save(to: stream, capabilities: capabilities)
        }
        let analysis = StreamAnalysis.analyze(paths: [stream], dumpDirectory: directory.path + "/dump")
        #expect(analysis.isClean, "\(String(describing: analysis.error))")
        let main = try #require(analysis.main)
        let block = try #require(main.ram.blocks.first)
        #expect(block.name == "ram")
        if mappedRAM {
            #expect(main.capabilities == ["mapped-ram"])
            #expect(block.mappedPages == 16384)
            #expect(block.normalPages == 0)
        } else {
            #expect(block.normalPages == 16384)
            #expect(block.mappedPages == nil)
        }
        let dumped = try CaptureFile.read(directory.path + "/dump/ram")
        #expect(dumped.count == memory.size)
        #expect(dumped.withUnsafeBytes { memcmp($0.baseAddress!, memory.base, memory.size) } == 0)
    }
}
