import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// `exec:` and `file:` between real `vmigd` processes: the source saves, and only then is the destination started
/// and restores (save/restore), with VFIO devices; digests of RAM and devices compared.
@Suite("exec: and file: migrations between vmigd processes", .serialized)
struct FileTransportTests {
    static let devices = ["vfio-pci,id=gpu0,x-state-size=8M", "vfio-pci,id=nic0,x-state-size=1M,x-precopy-size=512K"]

    /// One save/restore: `capabilities` on both ends (multifd with 2 channels when listed).
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let capabilities: [String]
        /// The URIs of the two ends, given the directory.
        let uris: @Sendable (String) -> (save: String, restore: String)
        /// Extra source options (`--memory-fill pattern`: a quarter of the pages are zero, while the destination's
        /// RAM is random, so zero pages left out of the file must still end up zero).
        var sourceArguments: [String] = []
        var testDescription: String { name }

        init(name: String, capabilities: [String], sourceArguments: [String] = [],
             uris: @escaping @Sendable (String) -> (save: String, restore: String)) {
            self.name = name
            self.capabilities = capabilities
            self.sourceArguments = sourceArguments
            self.uris = uris
        }
    }

    static let cases: [Case] = [
        Case(name: "file", capabilities: []) { ("file:\($0)/vm.mig", "file:\($0)/vm.mig") },
        Case(name: "file with offset", capabilities: []) {
            ("file:\($0)/vm.mig,offset=1M", "file:\($0)/vm.mig,offset=0x100000")
        },
        Case(name: "exec", capabilities: []) { ("exec:cat > '\($0)/vm.mig'", "exec:cat < '\($0)/vm.mig'") },
        Case(name: "mapped-ram", capabilities: ["mapped-ram"]) { ("file:\($0)/vm.mig", "file:\($0)/vm.mig") },
        Case(name: "mapped-ram, offset", capabilities: ["mapped-ram"]) {
            ("file:\($0)/vm.mig,offset=4097", "file:\($0)/vm.mig,offset=4097")
        },
        Case(name: "mapped-ram, multifd", capabilities: ["mapped-ram", "multifd"]) {
            ("file:\($0)/vm.mig", "file:\($0)/vm.mig")
        },
        Case(name: "mapped-ram, multifd, zero pages", capabilities: ["mapped-ram", "multifd"],
             sourceArguments: ["--memory-fill", "pattern"]) { ("file:\($0)/vm.mig", "file:\($0)/vm.mig") },
        // The guest dirties pages while they are saved: pages are written again in place.
        Case(name: "mapped-ram, live guest", capabilities: ["mapped-ram"], sourceArguments: ["--dirty-rate", "64M"]) {
            ("file:\($0)/vm.mig", "file:\($0)/vm.mig")
        },
    ]

    @Test(arguments: cases)
    func saveThenRestore(_ test: Case) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-file")
        let (saveURI, restoreURI) = test.uris(directory.path)
        let deviceArguments = Self.devices.flatMap { ["--device", $0] }
        let source = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: ["-m", "64M"] + deviceArguments + test.sourceArguments)
        defer { source.terminate() }
        let src = try QMPTestClient(path: source.socketPath)
        try Self.prepare(src, capabilities: test.capabilities)
        try src.execute("migrate", ["uri": .string(saveURI)])
        let saved = try src.waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: 60)
        #expect(saved["status"] == "completed", "\(saved)")
        #expect(try src.execute("query-status")["status"] == "postmigrate")
        #expect(Self.children(of: source.pid).isEmpty, "the exec: command was not reaped")
        let sourceDigest = try src.execute("x-query-digest")

        // The destination exists only now: a restore from what the source left behind.
        let destination = try DaemonProcess.vmigd(
            in: directory, name: "dst", extraArguments: ["-m", "64M", "--incoming", "defer"] + deviceArguments)
        defer { destination.terminate() }
        let dst = try QMPTestClient(path: destination.socketPath)
        try Self.prepare(dst, capabilities: test.capabilities)
        try dst.execute("migrate-incoming", ["uri": .string(restoreURI)])
        let restored = try dst.waitForMigrationStatus(["completed", "failed"], timeout: 60)
        #expect(restored["status"] == "completed", "\(restored)")
        let destinationDigest = try dst.execute("x-query-digest")
        #expect(destinationDigest["devices"]?.arrayValue?.count == 2)
        #expect(sourceDigest == destinationDigest, "digests differ: \(sourceDigest) vs \(destinationDigest)")
        #expect(Self.children(of: destination.pid).isEmpty, "the exec: command was not reaped")
    }

    /// The stream can go straight from one vmigd into another through a command (no file in between).
    @Test func execPipesIntoALiveDestination() throws {
        let pair = try DaemonPair(sourceArguments: Self.devices.flatMap { ["--device", $0] },
                                  destinationArguments: Self.devices.flatMap { ["--device", $0] })
        let fifo = pair.directory.path + "/stream.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        try pair.dst.execute("migrate-incoming", ["uri": .string("exec:cat '\(fifo)'"), "exit-on-error": false])
        try pair.src.execute("migrate", ["uri": .string("exec:cat > '\(fifo)'")])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed", "cancelled"])
        #expect(info["status"] == "completed", "\(info)")
        try pair.waitForStatus(pair.dst, ["completed", "failed"])
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
        #expect(try pair.dst.execute("query-status")["status"] == "running")
    }

    /// With `return-path`, the return path is the command's stdout (QEMU's rule): through a relay to a listening
    /// destination, switchover-ack travels back and the migration completes.
    @Test(.enabled(if: access("/usr/bin/socat", X_OK) == 0, "needs socat"))
    func execWithReturnPathThroughARelay() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["return-path": true, "switchover-ack": true])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string("exec:/usr/bin/socat - UNIX-CONNECT:" + target.dropFirst(5))])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed", "cancelled"])
        #expect(info["status"] == "completed", "\(info)")
        try pair.waitForStatus(pair.dst, ["completed", "failed"])
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
        #expect(Self.children(of: pair.source.pid).isEmpty, "the exec: command was not reaped")
    }

    /// The `channels` form of `migrate` / `migrate-incoming`: a `file` address with an offset, read back by an
    /// `exec` address whose arguments are run as they are (each quoted for the shell).
    @Test func channelsForm() throws {
        let pair = try DaemonPair()
        let path = pair.directory.path + "/it's a file.mig"
        let file: JSONValue = ["channel-type": "main", "addr": ["transport": "file", "filename": .string(path), "offset": 4096]]
        try pair.src.execute("migrate", ["channels": [file]])
        #expect(try pair.waitForStatus(pair.src, ["completed", "failed"])["status"] == "completed")
        let args: [JSONValue] = ["/usr/bin/tail", "-c", "+4097", .string(path)]
        let exec: JSONValue = ["channel-type": "main", "addr": ["transport": "exec", "args": .array(args)]]
        try pair.dst.execute("migrate-incoming", ["channels": [exec], "exit-on-error": false])
        let info = try pair.waitForStatus(pair.dst, ["completed", "failed"])
        #expect(info["status"] == "completed", "\(info)")
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
    }

    // MARK: Failures, with QEMU 10.0's texts

    @Test func refusedURIsAndCapabilities() throws {
        let pair = try DaemonPair()
        let path = pair.directory.path
        try expectFailure(pair.src, "migrate", "file:\(path)/x,offset=abc", "file URI has bad offset abc: Invalid argument")
        try expectFailure(pair.src, "migrate", "file:\(path)/x,offset=-1",
                          "file URI has bad offset -1: Numerical result out of range")
        try expectFailure(pair.src, "migrate", "file:\(path)/no/such/dir/x",
                          "Could not create '\(path)/no/such/dir/x': No such file or directory")
        try expectFailure(pair.dst, "migrate-incoming", "file:\(path)/missing.mig",
                          "Could not open '\(path)/missing.mig': No such file or directory")
        try pair.setCapabilities(["mapped-ram": true])
        try expectFailure(pair.src, "migrate", pair.unixURI(), "Migration requires seekable transport (e.g. file)")
        try expectFailure(pair.dst, "migrate-incoming", "exec:cat x", "Migration requires seekable transport (e.g. file)")
        try pair.setCapabilities(["mapped-ram": false, "multifd": true])
        try expectFailure(pair.src, "migrate", "file:\(path)/x", "Migration requires multi-channel URIs (e.g. tcp)")
        try expectFailure(pair.dst, "migrate-incoming", "exec:cat x", "Migration requires multi-channel URIs (e.g. tcp)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }

    /// A command that exits without reading: the source fails as QEMU's does and runs on, RAM and devices
    /// untouched; a command that gives the destination nothing fails the restore.
    @Test func execCommandThatExits() throws {
        let pair = try DaemonPair(sourceArguments: ["--device", Self.devices[1]],
                                  destinationArguments: ["--device", Self.devices[1]])
        let before = try pair.src.execute("x-query-digest")
        let descriptors = (ProcessDescriptors.count(of: pair.source.pid), ProcessDescriptors.count(of: pair.destination.pid))
        try pair.src.execute("migrate", ["uri": "exec:exit 1"])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed", "cancelled"])
        #expect(info["status"] == "failed")
        #expect(info["error-desc"] == "Unable to write to command: Broken pipe", "\(info)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
        #expect(Self.children(of: pair.source.pid).isEmpty, "the exec: command was not reaped")
        #expect(try pair.src.execute("x-query-digest")["devices"] == before["devices"])

        try pair.dst.execute("migrate-incoming", ["uri": "exec:exit 1", "exit-on-error": false])
        let incoming = try pair.waitForStatus(pair.dst, ["completed", "failed"])
        #expect(incoming["status"] == "failed")
        #expect(incoming["error-desc"] == "Unexpected end-of-file before all data were read", "\(incoming)")
        #expect(Self.children(of: pair.destination.pid).isEmpty, "the exec: command was not reaped")
        // Both pipes of each command are closed again.
        _ = Poll.until(timeout: 5) { ProcessDescriptors.count(of: pair.destination.pid) == descriptors.1 }
        #expect(ProcessDescriptors.count(of: pair.source.pid) == descriptors.0)
        #expect(ProcessDescriptors.count(of: pair.destination.pid) == descriptors.1)
    }

    /// `return-path` needs a channel that reads back: a file has none (QEMU's own failure: it reads the
    /// write-only file).
    @Test func returnPathOverAFile() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["return-path": true], on: [pair.src])
        try pair.src.execute("migrate", ["uri": .string("file:\(pair.directory.path)/x.mig")])
        let info = try pair.waitForStatus(pair.src, ["completed", "failed", "cancelled"])
        #expect(info["status"] == "failed")
        #expect(info["error-desc"] == "Unable to read from file: Bad file descriptor", "\(info)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }

    /// A file cut short: the restore fails with QEMU's end-of-file text, whether the cut is in the stream or in
    /// the mapped-ram region.
    @Test(arguments: [[], ["mapped-ram"], ["mapped-ram", "multifd"]])
    func truncatedFile(capabilities: [String]) throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(Dictionary(uniqueKeysWithValues: capabilities.map { ($0, true) }))
        let path = pair.directory.path + "/vm.mig"
        try pair.src.execute("migrate", ["uri": .string("file:" + path)])
        #expect(try pair.waitForStatus(pair.src, ["completed", "failed"])["status"] == "completed")
        #expect(truncate(path, 40 << 20) == 0)
        try pair.dst.execute("migrate-incoming", ["uri": .string("file:" + path), "exit-on-error": false])
        let info = try pair.waitForStatus(pair.dst, ["completed", "failed"])
        #expect(info["status"] == "failed")
        let text = info["error-desc"]?.stringValue ?? ""
        #expect(text.hasSuffix("Unexpected end-of-file before all data were read"), "\(info)")
        if !capabilities.isEmpty {
            #expect(text.hasPrefix("(pc.ram) failed to read page "), "\(info)")
        }
    }

    /// A mapped-ram file whose `MappedRamHeader` lies: each lie fails the restore with QEMU's text, and the same
    /// destination then restores the intact file.
    @Test func hostileMappedRAMHeader() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["mapped-ram": true])
        let path = pair.directory.path + "/vm.mig"
        try pair.src.execute("migrate", ["uri": .string("file:" + path)])
        #expect(try pair.waitForStatus(pair.src, ["completed", "failed"])["status"] == "completed")
        let intact = try CaptureFile.read(path)
        // RAM START at 0x39, MEM_SIZE word, "pc.ram", length: the header is at 0x61 (docs/stream-format.md §6.2).
        let header = 0x61
        try #require(Array(intact[header..<header + 4]) == [0, 0, 0, 1])
        func patched(_ field: Int, _ value: UInt64, _ size: Int) -> [UInt8] {
            var bytes = intact
            for index in 0..<size { bytes[header + field + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * (size - 1 - index))) }
            return bytes
        }
        let lies: [([UInt8], String)] = [
            (patched(0, 2, 4), "Migration mapped-ram capability version not supported (expected <= 1, got 2)"),
            (patched(4, 65536, 8), "Migration mapped-ram capability page size mismatch (expected 4096, got 65536)"),
            (patched(20, 0x100001, 8), "Error reading ramblock pc.ram pages, region has bad alignment"),
            (patched(12, ~0 - 15, 8), "Error reading dirty bitmap"),
            (patched(20, 0x7FFF_FFFF_FFFF_F000, 8), "(pc.ram) failed to read page 0 from file offset "
                + "7ffffffffffff000: Unexpected end-of-file before all data were read"),
        ]
        let descriptors = ProcessDescriptors.count(of: pair.destination.pid)
        for (bytes, text) in lies {
            try CaptureFile.write(bytes, to: path)
            try pair.dst.execute("migrate-incoming", ["uri": .string("file:" + path), "exit-on-error": false])
            let info = try pair.waitForStatus(pair.dst, ["completed", "failed"])
            #expect(info["error-desc"]?.stringValue == text, "\(info)")
        }
        // Every failed restore closed its file.
        _ = Poll.until(timeout: 5) { ProcessDescriptors.count(of: pair.destination.pid) == descriptors }
        #expect(ProcessDescriptors.count(of: pair.destination.pid) == descriptors)
        try CaptureFile.write(intact, to: path)
        try pair.dst.execute("migrate-incoming", ["uri": .string("file:" + path), "exit-on-error": false])
        #expect(try pair.waitForStatus(pair.dst, ["completed", "failed"])["status"] == "completed")
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
    }

    // MARK: Helpers

    private func expectFailure(_ client: QMPTestClient, _ command: String, _ uri: String, _ text: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        do {
            try client.execute(command, ["uri": .string(uri)])
            Issue.record("\(command) \(uri) succeeded", sourceLocation: sourceLocation)
        } catch let failure as QMPCommandFailure {
            #expect(failure.desc == text, sourceLocation: sourceLocation)
        }
    }

    static func prepare(_ client: QMPTestClient, capabilities: [String]) throws {
        guard !capabilities.isEmpty else { return }
        try client.execute("migrate-set-capabilities", ["capabilities": .array(capabilities.map {
            ["capability": .string($0), "state": true]
        })])
        if capabilities.contains("multifd") {
            try client.execute("migrate-set-parameters", ["multifd-channels": 2])
        }
    }

    /// The pids of `pid`'s children (a reaped command is not one any more; a zombie still is).
    static func children(of pid: pid_t) -> [String] {
        guard let tasks = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(tasks) }
        var result: [String] = []
        while let entry = readdir(tasks) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !name.hasPrefix(".") else { continue }
            let text = TextFile.read("/proc/\(pid)/task/\(name)/children") ?? ""
            result += text.split(separator: " ").map(String.init)
        }
        return result
    }
}
