import Glibc
import JSON
import Testing
import VMigTesting

/// Live migration between a real QEMU 10.0 (`-machine none`, RAM in a shared `memory-backend-file`) and
/// `vmigd --machine none`, both ways, over `unix:` and `tcp:` (port 0), on the main channel alone and with multifd
/// (1, 4, 8 channels) under each `zero-page-detection`. Proof: QEMU's RAM file and vmigd's RAM written with
/// `pmemsave` are byte-identical, and `query-migrate` says `completed` on both ends.
@Suite("Migration between QEMU 10.0 and vmigd", .serialized)
struct QEMUInteropTests {
    static let ramSize = 256 << 20

    /// One cell of the matrix.
    struct Cell: Sendable, CustomTestStringConvertible {
        /// 0: the main channel only.
        var channels: Int
        var zeroPageDetection: String
        var tcp: Bool
        var returnPath: Bool
        /// The source runs (else it is paused, as with `-S`).
        var sourceRuns: Bool
        /// Every fourth page of the source is zero and the destination's RAM starts random, so zero pages must be
        /// written (else the source's RAM is all random and the destination's starts zero).
        var zeroPages = false

        var testDescription: String {
            "\(channels == 0 ? "main channel" : "multifd ×\(channels)"), zero pages \(zeroPageDetection), "
                + "\(tcp ? "tcp" : "unix")\(returnPath ? ", return-path" : "")\(sourceRuns ? ", running" : ", paused")"
                + (zeroPages ? ", zero pages over random RAM" : "")
        }
    }

    static let cells = [
        Cell(channels: 0, zeroPageDetection: "multifd", tcp: false, returnPath: true, sourceRuns: false, zeroPages: true),
        Cell(channels: 0, zeroPageDetection: "none", tcp: true, returnPath: false, sourceRuns: true),
        Cell(channels: 1, zeroPageDetection: "none", tcp: false, returnPath: false, sourceRuns: false),
        Cell(channels: 4, zeroPageDetection: "multifd", tcp: false, returnPath: true, sourceRuns: true, zeroPages: true),
        Cell(channels: 8, zeroPageDetection: "legacy", tcp: true, returnPath: true, sourceRuns: false, zeroPages: true),
    ]

    @Test(arguments: cells)
    func qemuToVMigd(cell: Cell) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu-in")
        defer { directory.remove() }
        let ramFile = Self.shmPath("src")
        defer { unlink(ramFile) }
        try QEMUPeer.makeMemoryFile(ramFile, size: Self.ramSize, seed: 14, zeroPages: cell.zeroPages)
        let qemu = try QEMUPeer(in: directory, name: "qemu", ramSize: Self.ramSize, memoryFile: ramFile)
        let vmigd = try DaemonProcess.vmigd(in: directory, name: "dst", extraArguments: [
            "--machine", "none", "-m", "256M", "--memory-fill", cell.zeroPages ? "random" : "zero", "--incoming", "defer",
        ])
        defer { vmigd.terminate() }
        let destination = try QMPTestClient(path: vmigd.socketPath)
        if cell.sourceRuns { try qemu.qmp.execute("cont") }
        try Self.configure([qemu.qmp, destination], cell)
        try destination.execute("migrate-incoming", ["uri": .string(Self.listenURI(cell, directory))])
        try qemu.qmp.execute("migrate", ["uri": .string(try Self.connectURI(cell, destination: destination))])

        let sent = try qemu.qmp.waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: 60)
        #expect(sent["status"] == "completed", "QEMU: \(sent)\n\(qemu.process.log)\n\(vmigd.log)")
        _ = try destination.waitForMigrationCompleted(timeout: 30)
        // QEMU's rule (process_incoming_migration_bh): a running source resumes the destination, a paused one
        // (-S: prelaunch) leaves it in the source's run state.
        let status = try destination.execute("query-status")
        #expect(status["status"]?.stringValue == (cell.sourceRuns ? "running" : "prelaunch"))
        try Self.expectRAM(of: destination, size: Self.ramSize, equalTo: ramFile, in: directory)
    }

    @Test(arguments: cells)
    func vmigdToQEMU(cell: Cell) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu-out")
        defer { directory.remove() }
        let ramFile = Self.shmPath("dst")
        defer { unlink(ramFile) }
        // QEMU's destination does not write a multifd zero page it receives for the first time (it takes its RAM
        // to start zeroed, which a file with content is not), so only a main-stream ZERO record can be checked
        // against random RAM: multifd zero pages land on a zeroed file.
        let clearsZeroPages = cell.channels == 0 || cell.zeroPageDetection == "legacy"
        try QEMUPeer.makeMemoryFile(ramFile, size: Self.ramSize, seed: cell.zeroPages && clearsZeroPages ? 99 : nil)
        // vmigd's `pattern` fill leaves every fourth page zero; `random` has none.
        let vmigd = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: [
            "--machine", "none", "-m", "256M", "--memory-fill", cell.zeroPages ? "pattern" : "random",
        ] + (cell.sourceRuns ? [] : ["--paused"]))
        defer { vmigd.terminate() }
        let source = try QMPTestClient(path: vmigd.socketPath)
        // A running source: QEMU started without -S resumes; a paused one: QEMU stays in prelaunch.
        let qemu = try QEMUPeer(in: directory, name: "qemu", ramSize: Self.ramSize, memoryFile: ramFile,
                                paused: !cell.sourceRuns, incoming: true)
        try Self.configure([source, qemu.qmp], cell)
        try qemu.qmp.execute("migrate-incoming", ["uri": .string(Self.listenURI(cell, directory))])
        try source.execute("migrate", ["uri": .string(try Self.connectURI(cell, destination: qemu.qmp))])

        let sent = try source.waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: 60)
        #expect(sent["status"] == "completed", "vmigd: \(sent)\n\(qemu.process.log)\n\(vmigd.log)")
        let received = try qemu.qmp.waitForMigrationStatus(["completed", "failed"], timeout: 30)
        #expect(received["status"] == "completed", "QEMU: \(received)\n\(qemu.process.log)")
        let status = try qemu.qmp.execute("query-status")
        #expect(status["status"]?.stringValue == (cell.sourceRuns ? "running" : "prelaunch"))
        try Self.expectRAM(of: source, size: Self.ramSize, equalTo: ramFile, in: directory)
    }

    // MARK: Faults

    /// QEMU dies while it sends: vmigd's incoming migration fails with its end-of-stream text and vmigd keeps serving.
    @Test func qemuKilledMidStream() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu-kill")
        defer { directory.remove() }
        let ramFile = Self.shmPath("kill")
        defer { unlink(ramFile) }
        try QEMUPeer.makeMemoryFile(ramFile, size: 64 << 20, seed: 3)
        let qemu = try QEMUPeer(in: directory, name: "qemu", ramSize: 64 << 20, memoryFile: ramFile)
        let vmigd = try DaemonProcess.vmigd(in: directory, name: "dst", extraArguments: [
            "--machine", "none", "-m", "64M", "--memory-fill", "zero", "--incoming", "defer",
        ])
        defer { vmigd.terminate() }
        let destination = try QMPTestClient(path: vmigd.socketPath)
        try qemu.qmp.execute("migrate-set-parameters", ["max-bandwidth": .integer(8 << 20)])
        try destination.execute("migrate-incoming", ["uri": .string("unix:\(directory.path)/mig.sock"),
                                                     "exit-on-error": false])
        try qemu.qmp.execute("migrate", ["uri": .string("unix:\(directory.path)/mig.sock")])
        _ = try destination.waitForMigrationStatus(["active"], timeout: 20)
        qemu.process.send(signal: SIGKILL)
        let info = try destination.waitForMigrationStatus(["failed", "completed"], timeout: 20)
        #expect(info["status"] == "failed")
        #expect(info["error-desc"]?.stringValue == "Unexpected end-of-file before all data were read", "\(info)")
        #expect(try destination.execute("query-status")["status"]?.stringValue == "inmigrate")
        #expect(vmigd.poll() == nil, "vmigd exited")
    }

    /// A vmigd stream QEMU refuses: RAM of another size (QEMU's `Size mismatch`), or a vmig device section QEMU
    /// does not know (its unknown-section text). QEMU reports it on stderr and in `error-desc`; vmigd, with the
    /// return path on, fails with QEMU's `Sibling indicated error 1`.
    @Test(arguments: [
        (["-m", "64M"], "Size mismatch: ram: 0x4000000 != 0x8000000: Invalid argument"),
        (["-m", "128M", "--device", "vfio-pci,id=gpu0"],
         "Unknown savevm section or instance '0000:00:05.0/vfio' 0. Make sure that your current VM setup matches "
            + "your saved VM setup, including any hotplugged devices"),
    ])
    func qemuRefusesTheStream(vmigdArguments: [String], qemuText: String) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu-refuse")
        defer { directory.remove() }
        let ramFile = Self.shmPath("refuse")
        defer { unlink(ramFile) }
        try QEMUPeer.makeMemoryFile(ramFile, size: 128 << 20, seed: nil)
        let vmigd = try DaemonProcess.vmigd(in: directory, name: "src", extraArguments: [
            "--machine", "none", "--paused",
        ] + vmigdArguments)
        defer { vmigd.terminate() }
        let source = try QMPTestClient(path: vmigd.socketPath)
        let qemu = try QEMUPeer(in: directory, name: "qemu", ramSize: 128 << 20, memoryFile: ramFile, incoming: true)
        let returnPath: JSONValue = ["capabilities": [["capability": "return-path", "state": true]]]
        for client in [source, qemu.qmp] {
            try client.execute("migrate-set-capabilities", returnPath.objectValue)
        }
        try qemu.qmp.execute("migrate-incoming", ["uri": .string("unix:\(directory.path)/mig.sock"),
                                                  "exit-on-error": false])
        try source.execute("migrate", ["uri": .string("unix:\(directory.path)/mig.sock")])

        let received = try qemu.qmp.waitForMigrationStatus(["failed", "completed"], timeout: 30)
        #expect(received["status"] == "failed")
        #expect(received["error-desc"]?.stringValue == "load of migration failed: Invalid argument", "\(received)")
        let sent = try source.waitForMigrationStatus(["failed", "completed"], timeout: 30)
        #expect(sent["status"] == "failed")
        #expect(sent["error-desc"]?.stringValue == "Sibling indicated error 1", "\(sent)")
        #expect(try source.execute("query-status")["status"]?.stringValue == "prelaunch")
        #expect(Poll.until(timeout: 10) { qemu.process.log.contains(qemuText) }, "QEMU's log: \(qemu.process.log)")
    }

    /// QEMU names the RAM block after its memory backend: a vmigd whose block has another name refuses the stream
    /// with QEMU's text (and the QEMU source stays usable); `--machine none,memory-backend=ID` takes it.
    @Test func memoryBackendNamesTheBlock() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu-backend")
        defer { directory.remove() }
        let ramFile = Self.shmPath("backend")
        defer { unlink(ramFile) }
        try QEMUPeer.makeMemoryFile(ramFile, size: 64 << 20, seed: 21)
        let qemu = try QEMUPeer(in: directory, name: "qemu", ramSize: 64 << 20, memoryFile: ramFile, backendID: "mem0")
        for (name, machine) in [("plain", "none"), ("named", "none,memory-backend=mem0")] {
            let vmigd = try DaemonProcess.vmigd(in: directory, name: name, extraArguments: [
                "--machine", machine, "-m", "64M", "--memory-fill", "zero", "--incoming", "defer",
            ])
            defer { vmigd.terminate() }
            let destination = try QMPTestClient(path: vmigd.socketPath)
            let uri = "unix:\(directory.path)/\(name).sock"
            try destination.execute("migrate-incoming", ["uri": .string(uri), "exit-on-error": false])
            try qemu.qmp.execute("migrate", ["uri": .string(uri)])
            let received = try destination.waitForMigrationStatus(["completed", "failed"], timeout: 30)
            _ = try qemu.qmp.waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: 30)
            if name == "plain" {
                #expect(received["error-desc"] == "Unknown ramblock \"mem0\", cannot accept migration", "\(received)")
                continue
            }
            #expect(received["status"] == "completed", "\(received)")
            try Self.expectRAM(of: destination, size: 64 << 20, equalTo: ramFile, in: directory)
        }
    }

    /// A QEMU source with `-uuid` and `validate-uuid` sends `configuration/uuid`; vmigd, which has no UUID of its own,
    /// takes the stream with QEMU's warning (as a QEMU destination without `-uuid` does) and its RAM is QEMU's.
    @Test func qemuSourceWithAUUIDToValidate() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-qemu-uuid")
        defer { directory.remove() }
        let ramFile = Self.shmPath("uuid")
        defer { unlink(ramFile) }
        try QEMUPeer.makeMemoryFile(ramFile, size: 64 << 20, seed: 33)
        let uuid = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        let qemu = try QEMUPeer(in: directory, name: "qemu", ramSize: 64 << 20, memoryFile: ramFile,
                                extraArguments: ["-uuid", uuid])
        let vmigd = try DaemonProcess.vmigd(in: directory, name: "dst", extraArguments: [
            "--machine", "none", "-m", "64M", "--memory-fill", "zero", "--incoming", "defer",
        ])
        defer { vmigd.terminate() }
        let destination = try QMPTestClient(path: vmigd.socketPath)
        let validate: JSONValue = ["capabilities": [["capability": "validate-uuid", "state": true]]]
        for client in [qemu.qmp, destination] {
            try client.execute("migrate-set-capabilities", validate.objectValue)
        }
        try destination.execute("migrate-incoming", ["uri": .string("unix:\(directory.path)/mig.sock")])
        try qemu.qmp.execute("migrate", ["uri": .string("unix:\(directory.path)/mig.sock")])
        let received = try destination.waitForMigrationStatus(["completed", "failed"], timeout: 30)
        #expect(received["status"] == "completed", "\(received)\n\(vmigd.log)")
        #expect(vmigd.log.contains("UUID is received \(uuid), but local uuid isn't set"), "\(vmigd.log)")
        try Self.expectRAM(of: destination, size: 64 << 20, equalTo: ramFile, in: directory)
    }

    /// Two vmigd of machine `none` speak QEMU's dialect to each other: no RESULT (the source completes on SHUT or,
    /// without `return-path`, once written), the run state from `globalstate`, digests equal. A running source gives
    /// a running destination; a paused one leaves it in `prelaunch`.
    @Test(arguments: [(true, true), (false, false)])
    func twoVMigdOfMachineNone(returnPath: Bool, sourceRuns: Bool) throws {
        let pair = try DaemonPair(sourceArguments: ["--machine", "none"] + (sourceRuns ? [] : ["--paused"]),
                                  destinationArguments: ["--machine", "none", "--memory-fill", "zero"])
        try pair.setCapabilities(["multifd": true, "return-path": returnPath])
        try pair.setParameters(["multifd-channels": 4, "max-bandwidth": 0])
        let info = try pair.migrate(to: pair.unixURI())
        #expect(info["status"] == "completed")
        let (source, destination) = try pair.digests()
        #expect(source["ram"] == destination["ram"])
        #expect(try pair.dst.execute("query-status")["status"]?.stringValue == (sourceRuns ? "running" : "prelaunch"))
        #expect(try pair.src.execute("query-status")["status"]?.stringValue == "postmigrate")
    }

    // MARK: Helpers

    static func shmPath(_ name: String) -> String {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        return "\(directory)/vmig-qemu-\(name)-\(getpid())"
    }

    /// vmigd's RAM (`size` bytes, written with `pmemsave`) is byte for byte the QEMU end's RAM file.
    static func expectRAM(of vmigd: QMPTestClient, size: Int, equalTo ramFile: String,
                          in directory: TemporaryDirectory) throws {
        let dump = directory.path + "/vmigd-ram"
        try vmigd.execute("pmemsave", ["val": 0, "size": .integer(Int64(size)), "filename": .string(dump)])
        #expect(try RandomFile.equal(dump, ramFile), "vmigd's RAM differs from QEMU's")
    }

    /// The same capabilities and parameters on both ends.
    static func configure(_ clients: [QMPTestClient], _ cell: Cell) throws {
        var capabilities: [JSONValue] = []
        if cell.channels > 0 { capabilities.append(["capability": "multifd", "state": true]) }
        if cell.returnPath { capabilities.append(["capability": "return-path", "state": true]) }
        var parameters: JSONObject = ["zero-page-detection": .string(cell.zeroPageDetection), "max-bandwidth": 0]
        if cell.channels > 0 { parameters["multifd-channels"] = .integer(Int64(cell.channels)) }
        for client in clients {
            if !capabilities.isEmpty {
                try client.execute("migrate-set-capabilities", ["capabilities": .array(capabilities)])
            }
            try client.execute("migrate-set-parameters", parameters)
        }
    }

    static func listenURI(_ cell: Cell, _ directory: TemporaryDirectory) -> String {
        cell.tcp ? "tcp:127.0.0.1:0" : "unix:\(directory.path)/mig.sock"
    }

    /// The destination's listening address from its `query-migrate` `socket-address` (the port of `tcp:…:0`).
    static func connectURI(_ cell: Cell, destination: QMPTestClient) throws -> String {
        let info = try destination.execute("query-migrate")
        let address = try #require(info["socket-address"]?.arrayValue?.first, "\(info)")
        if cell.tcp {
            let port = try #require(address["port"]?.stringValue, "\(address)")
            return "tcp:127.0.0.1:\(port)"
        }
        return "unix:" + (try #require(address["path"]?.stringValue))
    }
}
