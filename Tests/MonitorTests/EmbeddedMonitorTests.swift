import Glibc
import JSON
import Machine
import Monitor
import Testing

/// The QMP session, the Monitor's command handlers and the JSON ⇄ machine mapping, run in-process against a real
/// machine through ``EmbeddedMonitor`` (no socket, no event loop).
@Suite("Embedded monitor", .serialized)
struct EmbeddedMonitorTests {
    @Test func theGreetingAndTheNegotiationGate() throws {
        let client = try EmbeddedClient(negotiate: false)
        let greeting = String(decoding: client.monitor.greeting, as: UTF8.self)
        #expect(greeting.hasPrefix(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 10}"#), "\(greeting)")
        let refused = client.send(["execute": "query-status", "id": 1])
        #expect(refused["error"]?["class"] == "CommandNotFound")
        #expect(refused["error"]?["desc"] == "Expecting capabilities negotiation with 'qmp_capabilities'")
        #expect(refused["id"] == 1)
        #expect(client.send(["execute": "qmp_capabilities"]) == ["return": .emptyObject])
        #expect(client.execute("query-status") == ["status": "running", "running": true])
    }

    @Test func aMalformedValueIsAnsweredAndTheSessionGoesOn() throws {
        let client = try EmbeddedClient()
        let replies = client.send(text: #"{"execute": } {"execute": "query-name", "id": "a"}"#)
        #expect(replies.count == 2, "\(replies)")
        #expect(replies.first?["error"]?["class"] == "GenericError")
        #expect(replies.last == ["return": .emptyObject, "id": "a"])
        // Input cut inside a value is held until the value is complete.
        #expect(client.send(text: #"{"execute": "query-st"#).isEmpty)
        #expect(client.send(text: #"atus"}"#).first?["return"]?["status"] == "running")
    }

    @Test func unknownCommandsAndBadArgumentsGetQEMUsErrors() throws {
        let client = try EmbeddedClient()
        let unknown = client.execute("no-such-command")
        #expect(unknown["error"]?["desc"] == "The command no-such-command has not been found")
        let bad = client.execute("migrate-set-parameters", ["downtime-limit": "soon"])
        #expect(bad["error"]?["class"] == "GenericError")
        #expect(bad["error"]?["desc"]?.stringValue?.contains("downtime-limit") == true, "\(bad)")
    }

    @Test func stopAndContChangeTheRunStateAndAnnounceIt() throws {
        let client = try EmbeddedClient()
        #expect(client.execute("stop") == .emptyObject)
        #expect(client.execute("query-status") == ["status": "paused", "running": false])
        #expect(client.execute("cont") == .emptyObject)
        #expect(client.take("STOP").count == 1)
        #expect(client.take("RESUME").count == 1)
        #expect(client.machine.vm.runState == .running)
    }

    @Test func deviceAddListDeleteAndTheEventOfTheDeletion() throws {
        let client = try EmbeddedClient()
        for cycle in 0..<30 {
            #expect(client.execute("device_add", ["driver": "vfio-pci", "id": .string("d\(cycle)")]) == .emptyObject)
            #expect(client.execute("device_del", ["id": .string("d\(cycle)")]) == .emptyObject)
        }
        #expect(client.take("DEVICE_DELETED").last?["data"] == ["device": "d29", "path": "/machine/peripheral/d29"])
        #expect(client.execute("device_add", ["driver": "vfio-pci", "id": "gpu0", "x-state-size": "64K"]) == .emptyObject)
        #expect(client.execute("qom-list", ["path": "/machine/peripheral"])
            == [["name": "gpu0", "type": "child<vfio-pci>"]])
        #expect(client.execute("qom-get", ["path": "gpu0", "property": "x-state-size"]) == 65536)
        #expect(client.machine.devices.device(id: "gpu0")?.pciSlot == 5)
        let info = client.execute("x-query-vfio-migration")
        #expect(info.arrayValue?.first?["id"] == "gpu0")
        let missing = client.execute("device_del", ["id": "nope"])
        #expect(missing["error"]?["class"] == "DeviceNotFound")
    }

    @Test func parametersAndCapabilitiesRoundTripThroughTheEngine() throws {
        let client = try EmbeddedClient()
        #expect(client.execute("migrate-set-parameters", ["downtime-limit": 1234, "multifd-channels": 5]) == .emptyObject)
        let parameters = client.execute("query-migrate-parameters")
        #expect(parameters["downtime-limit"] == 1234)
        #expect(parameters["multifd-channels"] == 5)
        #expect(client.machine.engine.parameters.downtimeLimit == 1234)
        let set = client.execute(
            "migrate-set-capabilities", ["capabilities": [["capability": "multifd", "state": true]]])
        #expect(set == .emptyObject)
        let capabilities = client.execute("query-migrate-capabilities").arrayValue ?? []
        #expect(capabilities.contains(["state": true, "capability": "multifd"]))
    }

    @Test func theDigestReplyNamesRAMAndEveryDevice() throws {
        let client = try EmbeddedClient { $0.devices = ["vfio-pci,id=gpu0,x-state-size=64K"] }
        let digests = client.execute("x-query-digest")
        #expect(digests["ram"]?.stringValue?.isEmpty == false)
        let device = digests["devices"]?.arrayValue?.first
        #expect(device?["id"] == "gpu0")
        #expect(device?["digest"]?.stringValue?.count == 16)
    }

    @Test func quitAnswersThenShutsTheMachineDown() throws {
        let client = try EmbeddedClient()
        #expect(client.execute("quit") == .emptyObject)
        #expect(client.take("SHUTDOWN").first?["data"] == ["guest": false, "reason": "host-qmp-quit"])
        #expect(client.machine.shutdownSignal.isTriggered)
        client.machine.stop()
    }

    @Test func aMigrationDrivenThroughQMPJSONBetweenTwoEmbeddedMonitors() throws {
        let source = try EmbeddedClient(size: 8 << 20) { options in
            options.memoryFill = .random(seed: 5)
            options.devices = ["vfio-pci,id=gpu0,x-state-size=1M"]
        }
        let destination = try EmbeddedClient(size: 8 << 20) { options in
            options.incoming = .deferred
            options.devices = ["vfio-pci,id=gpu0,x-state-size=1M"]
        }
        for client in [source, destination] {
            let capabilities: JSONValue = [["capability": "events", "state": true]]
            #expect(client.execute("migrate-set-capabilities", ["capabilities": capabilities]) == .emptyObject)
        }
        let uri = JSONValue.string("unix:/tmp/vmig-embedded-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock")
        #expect(destination.execute("migrate-incoming", ["uri": uri, "exit-on-error": false]) == .emptyObject)
        #expect(source.execute("migrate", ["uri": uri]) == .emptyObject)
        for client in [source, destination] {
            var status = ""
            for _ in 0..<3000 where !["completed", "failed"].contains(status) {
                status = client.execute("query-migrate")["status"]?.stringValue ?? ""
                usleep(10_000)
            }
            #expect(status == "completed")
        }
        #expect(source.execute("x-query-digest") == destination.execute("x-query-digest"))
        #expect(source.execute("query-status")["status"] == "postmigrate")
        #expect(destination.take("MIGRATION").last?["data"] == ["status": "completed"])
        #expect(source.take("STOP").count == 1)
        #expect(destination.take("RESUME").count == 1)
        source.machine.stop()
        destination.machine.stop()
    }

    /// QEMU's `pmemsave`: guest RAM from `val` for `size` bytes to a file (past RAM's end: zeros), QEMU's error texts.
    @Test func pmemsaveWritesGuestMemory() throws {
        let client = try EmbeddedClient(size: 1 << 20) { $0.memoryFill = .random(seed: 5) }
        let memory = client.machine.host.memory
        let path = "/tmp/vmig-pmemsave-\(getpid())"
        defer { unlink(path) }
        let reply = client.execute("pmemsave", ["val": 4096, "size": .integer(Int64(memory.size)), "filename": .string(path)])
        #expect(reply == .emptyObject, "\(reply)")
        let saved = try #require(FileBytes.read(path))
        #expect(saved.count == memory.size)
        #expect(saved.prefix(memory.size - 4096).elementsEqual(
            UnsafeRawBufferPointer(start: memory.base + 4096, count: memory.size - 4096)))
        #expect(saved.suffix(4096).allSatisfy { $0 == 0 })
        let refused = client.execute("pmemsave", ["val": 0, "size": 1, "filename": "/nonexistent/dir/ram"])
        #expect(refused["error"]?["class"] == "GenericError")
        #expect(refused["error"]?["desc"] == "Could not open '/nonexistent/dir/ram': No such file or directory")
    }
}

/// Reads a whole file with POSIX calls.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = fread(&chunk, 1, chunk.count, file)
            if got == 0 { return bytes }
            bytes += chunk.prefix(got)
        }
    }
}
