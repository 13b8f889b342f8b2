import HMP
import JSON
import Testing

@Suite("stop, cont, quit, info status, info version, info name")
struct RunStateCommandTests {
    @Test(arguments: [
        (true, "running", "VM status: running\n"),
        (false, "paused", "VM status: paused\n"),
        (false, "postmigrate", "VM status: paused (postmigrate)\n"),
        (false, "inmigrate", "VM status: paused (inmigrate)\n"),
        (false, "prelaunch", "VM status: paused (prelaunch)\n"),
    ])
    func infoStatus(running: Bool, status: String, expected: String) throws {
        let server = FakeQMPCaller()
        server.replies["query-status"] = ["running": .bool(running), "status": .string(status)]
        #expect(try server.run("info status") == HMPResult(text: expected, succeeded: true))
    }

    @Test func infoVersionPrintsVersionAndPackage() throws {
        #expect(try FakeQMPCaller().run("info version").text == "10.0.0vmig 0.1.0\n")
    }

    @Test func infoName() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("info name").text == "vm1\n")
        server.replies["query-name"] = .emptyObject
        #expect(try server.run("info name").text == "")
    }

    @Test func stopContPrintNothing() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("stop") == HMPResult(text: "", succeeded: true))
        #expect(try server.run("cont") == HMPResult(text: "", succeeded: true))
        #expect(server.calls.map(\.command) == ["stop", "cont"])
    }

    @Test func quitEndsTheSession() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("quit") == HMPResult(text: "", succeeded: true, followUp: .sessionEnded))
        #expect(server.calls.map(\.command) == ["quit"])
    }
}

@Suite("pmemsave")
struct MemoryCommandTests {
    @Test func pmemsavePassesAddressSizeAndFile() throws {
        let server = FakeQMPCaller()
        _ = try server.run(#"pmemsave 0x1000 268435456 "/tmp/with space""#)
        #expect(server.lastCall == ["execute": "pmemsave",
                                    "arguments": ["val": 4096, "size": 268_435_456, "filename": "/tmp/with space"]])
        let refused = try server.run("pmemsave 12k 1 /tmp/x")
        #expect(refused.text.contains("invalid number '12k' in expression"), "\(refused.text)")
    }
}
