import Glibc
import Machine
import MachineTesting
import Migration
import Testing

/// Machine `none` (QEMU's `-machine none`): its sections, its vmdesc and its configuration record are QEMU 10.0's,
/// and it refuses a vmig stream (and vmig refuses it) with QEMU's machine-type text.
@Suite("Machine type none", .serialized)
struct QEMUMachineTypeTests {
    /// The vmdesc trailer QEMU 10.0.2 wrote for `-machine none` (saved with `migrate file:`), byte for byte.
    static let qemuVMDescription = "{\"configuration\": {\"vmsd_name\": \"configuration\", \"version\": 1, \"fields\": "
        + "[{\"name\": \"len\", \"type\": \"uint32\", \"size\": 4}, {\"name\": \"name\", \"type\": \"buffer\", \"size\": 4}]}, "
        + "\"page_size\": 4096, \"devices\": [{\"name\": \"timer\", \"instance_id\": 0, \"vmsd_name\": \"timer\", "
        + "\"version\": 2, \"fields\": [{\"name\": \"cpu_ticks_offset\", \"type\": \"int64\", \"size\": 8}, "
        + "{\"name\": \"unused\", \"type\": \"unused_buffer\", \"size\": 8}, "
        + "{\"name\": \"cpu_clock_offset\", \"type\": \"int64\", \"size\": 8}]}, {\"name\": \"globalstate\", "
        + "\"instance_id\": 0, \"vmsd_name\": \"globalstate\", \"version\": 1, \"fields\": [{\"name\": \"size\", "
        + "\"type\": \"uint32\", \"size\": 4}, {\"name\": \"runstate\", \"type\": \"buffer\", \"size\": 32}, "
        + "{\"name\": \"has_vm_was_suspended\", \"type\": \"uint8\", \"size\": 1}, {\"name\": \"vm_was_suspended\", "
        + "\"type\": \"uint8\", \"size\": 1}, {\"name\": \"unused\", \"type\": \"buffer\", \"size\": 66}]}]}"

    private func machine(_ type: MachineType, incoming: IncomingMode = .none, block: String? = nil) throws -> Machine {
        var options = MachineOptions(memoryBytes: 4 << 20, memoryFill: .random(seed: 3))
        options.type = type
        options.incoming = incoming
        options.ramBlockName = block
        options.paused = true
        return try Machine(options)
    }

    @Test func sectionsAndDescriptionAreQEMUs() throws {
        let vm = try machine(.qemuNone)
        #expect(MachineType(rawValue: "none") == .qemuNone)
        #expect(vm.host.memory.blockName == "ram")
        #expect(vm.host.dialect == .qemu(machine: "none"))
        let handlers = vm.host.saveHandlers
        #expect(handlers.map(\.idstr) == ["timer", "globalstate"])
        #expect(handlers.map(\.versionID) == [2, 1])
        var description = VMDescription(dialect: vm.host.dialect)
        for handler in handlers {
            let layout = try #require(handler.vmStateLayout)
            description.addSection(idstr: handler.idstr, instanceID: handler.instanceID, size: layout.size, layout: layout)
        }
        #expect(description.json() == Self.qemuVMDescription)
        let record = StreamConfiguration(capabilities: MigrationCapabilities(), parameters: MigrationParameters(),
                                         dialect: vm.host.dialect).encode()
        #expect(record == [0x07, 0, 0, 0, 4] + Array("none".utf8))
        #expect(try machine(.qemuNone, block: "mem0").host.memory.blockName == "mem0")
        #expect(try machine(.vmig).host.memory.blockName == "pc.ram")
    }

    /// A vmig stream into machine `none` and the reverse fail at the configuration record with QEMU's text.
    @Test(arguments: [(MachineType.vmig, MachineType.qemuNone), (.qemuNone, .vmig)])
    func machineTypesMustMatch(source sourceType: MachineType, destination destinationType: MachineType) throws {
        let source = try machine(sourceType)
        let destination = try machine(destinationType, incoming: .deferred)
        defer { source.stop(); destination.stop() }
        let uri = "unix:/tmp/vmig-machine-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        try destination.engine.migrateIncoming(uri: uri, exitOnError: false)
        try source.engine.startOutgoing(uri: uri)
        #expect(MachinePair.wait(destination.engine, [.failed, .completed], timeout: 20))
        #expect(destination.engine.info().errorDesc
            == "Machine type received is '\(sourceType.rawValue)' and local is '\(destinationType.rawValue)'")
        #expect(MachinePair.wait(source.engine, [.failed, .completed], timeout: 20))
        #expect(source.engine.info().status == .failed)
    }
}
