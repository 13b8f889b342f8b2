import JSON
import Testing
import VMigTesting

@Suite("QMP protocol over a real vmigd socket")
struct QMPProtocolTests {
    @Test func greetingNegotiationAndAlreadyComplete() throws {
        let vm = try DaemonFixture()
        let raw = try RawExchange(path: vm.daemon.socketPath)
        let greeting = try raw.readLines(1)[0]
        #expect(greeting == #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 10}, "package": "vmig 0.1.0"}, "capabilities": ["oob"]}}"#)
        #expect(try raw.exchange(#"{"execute":"query-version"}"#) == [
            #"{"error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}"#
        ])
        #expect(try raw.exchange(#"{"execute":"query-migrate","id":"pre-caps"}"#) == [
            #"{"id": "pre-caps", "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}"#
        ])
        #expect(try raw.exchange(#"{"execute":"qmp_capabilities","arguments":{"enable":["bogus"]}}"#) == [
            #"{"error": {"class": "GenericError", "desc": "Parameter 'null' does not accept value 'bogus'"}}"#
        ])
        #expect(try raw.exchange(#"{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}"#) == [#"{"return": {}}"#])
        #expect(try raw.exchange(#"{"execute":"qmp_capabilities"}"#) == [
            #"{"error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}}"#
        ])
    }

    @Test func idsOfAnyTypeAreEchoedUnchanged() throws {
        let vm = try DaemonFixture()
        let raw = try vm.rawSocket()
        _ = try raw.exchange(#"{"execute":"qmp_capabilities"}"#)
        let version = #"{"qemu": {"micro": 0, "minor": 0, "major": 10}, "package": "vmig 0.1.0"}"#
        #expect(try raw.exchange(#"{"execute":"query-version","id":"v1"}"#) == [#"{"return": \#(version), "id": "v1"}"#])
        #expect(try raw.exchange(#"{"execute":"query-version","id":42}"#) == [#"{"return": \#(version), "id": 42}"#])
        #expect(try raw.exchange(#"{"execute":"query-version","id":{"nested":[1,2]}}"#) == [#"{"return": \#(version), "id": {"nested": [1, 2]}}"#])
        #expect(try raw.exchange(#"{"execute":"query-version","id":null}"#) == [#"{"return": \#(version), "id": null}"#])
        #expect(try raw.exchange(#"{"id":18446744073709551615,"execute":"query-name"}"#) == [#"{"return": {"name": "vm"}, "id": 18446744073709551615}"#])
    }

    @Test func oneObjectSplitOverManyWrites() throws {
        let vm = try DaemonFixture()
        let raw = try vm.rawSocket()
        _ = try raw.exchange(#"{"execute":"qmp_capabilities"}"#)
        let message = Array(#"{"execute": "query-status", "id": "é☕"}"#.utf8)
        for byte in message {
            try raw.socket.write([byte])
        }
        #expect(try raw.readLines(1) == [#"{"return": {"status": "running", "running": true}, "id": "é☕"}"#])
    }

    @Test func severalObjectsInOneWriteAndCRLFEndings() throws {
        let vm = try DaemonFixture()
        let raw = try vm.rawSocket()
        let lines = try raw.exchange(
            "{\"execute\":\"qmp_capabilities\"}\r\n{\"execute\":\"query-status\",\"id\":1}\r\n{\"execute\":\"query-name\",\"id\":2}{\"execute\":\"stop\",\"id\":3}\r\n",
            lines: 5)
        #expect(lines[0] == #"{"return": {}}"#)
        #expect(lines[1] == #"{"return": {"status": "running", "running": true}, "id": 1}"#)
        #expect(lines[2] == #"{"return": {"name": "vm"}, "id": 2}"#)
        // `stop` emits STOP; its reply and the event may come in either order.
        #expect(lines[3...].contains(#"{"return": {}, "id": 3}"#))
        #expect(lines[3...].contains { $0.hasPrefix(#"{"event": "STOP", "timestamp": {"seconds": "#) })
    }

    @Test func halfClosedClientStillGetsEveryReply() throws {
        let vm = try DaemonFixture()
        let raw = try RawExchange(path: vm.daemon.socketPath)
        try raw.socket.write(#"{"execute":"qmp_capabilities"}{"execute":"query-status","id":"a"}{"execute":"query-name","id":"b"}{"execute":"stop","id":"c"}"#)
        raw.socket.shutdownWrite()
        let lines = try raw.readUntilClosed()
        #expect(lines.count == 6)
        #expect(lines[1] == #"{"return": {}}"#)
        #expect(lines[2] == #"{"return": {"status": "running", "running": true}, "id": "a"}"#)
        #expect(lines[3] == #"{"return": {"name": "vm"}, "id": "b"}"#)
        // The event emitted by the last command still reaches a client that half-closed.
        #expect(lines[4].hasPrefix(#"{"event": "STOP", "timestamp": "#))
        #expect(lines[5] == #"{"return": {}, "id": "c"}"#)
    }

    /// Every malformed input of QEMU 7.2's transcript, each answered, then a valid command still works.
    @Test func malformedInputGetsQEMUErrorsAndNeverClosesTheConnection() throws {
        let vm = try DaemonFixture()
        let raw = try vm.rawSocket()
        _ = try raw.exchange(#"{"execute":"qmp_capabilities"}"#)
        func error(_ desc: String, id: String? = nil, errorClass: String = "GenericError") -> String {
            let body = #""error": {"class": "\#(errorClass)", "desc": "\#(desc)"}"#
            return id.map { #"{"id": \#($0), \#(body)}"# } ?? "{\(body)}"
        }
        let cases: [(String, [String])] = [
            (#"{"execute":"no-such-command","id":"unk"}"#, [error("The command no-such-command has not been found", id: #""unk""#, errorClass: "CommandNotFound")]),
            ("{\"execute\":\"query-version\",\n}", [error("JSON parse error, expecting value")]),
            (#"{"execute":}"#, [error("JSON parse error, expecting value")]),
            ("this is not json\n", ["this", "is", "not", "json"].map { error("JSON parse error, invalid keyword '\($0)'") }),
            ("[1,2,3]", [error("QMP input must be a JSON object")]),
            (#""just a string""#, [error("QMP input must be a JSON object")]),
            (#"{"foo":"bar","id":"noexec"}"#, [error("QMP input member 'foo' is unexpected", id: #""noexec""#)]),
            (#"{"execute":"query-version","arguments":[]}"#, [error("QMP input member 'arguments' must be an object")]),
            (#"{"execute":"query-version","extra":1}"#, [error("QMP input member 'extra' is unexpected")]),
            (#"{"execute":42}"#, [error("QMP input member 'execute' must be a string")]),
            (#"{"execute":"query-version","arguments":{"x":1}}"#, [error("Parameter 'x' is unexpected")]),
            (#"{"exec-oob":"query-version"}"#, [error("QMP input member 'exec-oob' is unexpected")]),
            (#"{"id":7}"#, [error("QMP input lacks member 'execute'", id: "7")]),
            ("}", [error("JSON parse error, expecting value")]),
        ]
        for (input, expected) in cases {
            #expect(try raw.exchange(input, lines: expected.count) == expected, "input: \(input)")
        }
        #expect(try raw.exchange(#"{"execute":"query-name","id":"after-garbage"}"#) == [#"{"return": {"name": "vm"}, "id": "after-garbage"}"#])
    }

    @Test func hugeGarbageGetsAShortErrorAndAnUnclosedDeepArrayDoesNotSwallowLaterCommands() throws {
        let vm = try DaemonFixture()
        let raw = try vm.rawSocket()
        _ = try raw.exchange(#"{"execute":"qmp_capabilities"}"#)
        // 8 MiB of one bare word: one error, its echo cut where QEMU cuts it (a 1024-byte message buffer).
        let garbage = String(repeating: "z", count: 8 << 20)
        let reply = try raw.exchange(garbage + "\n")
        #expect(reply.first?.utf8.count ?? .max < 1200)
        #expect(reply.first?.contains("JSON parse error, invalid keyword 'zzz") == true)
        // 100,000 unclosed brackets: one error at the depth limit, and the next line is a command again.
        let deep = try raw.exchange(String(repeating: "[", count: 100_000))
        #expect(deep == [#"{"error": {"class": "GenericError", "desc": "JSON nesting depth limit exceeded"}}"#])
        #expect(try raw.exchange("\n" + #"{"execute":"query-name","id":1}"#) == [#"{"return": {"name": "vm"}, "id": 1}"#])
    }

    @Test func execOOBWithOOBEnabledIsCheckedAgainstTheSchema() throws {
        let vm = try DaemonFixture()
        let raw = try vm.rawSocket()
        _ = try raw.exchange(#"{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}"#)
        #expect(try raw.exchange(#"{"exec-oob":"query-status","id":"o"}"#) == [
            #"{"id": "o", "error": {"class": "GenericError", "desc": "The command query-status does not support OOB"}}"#
        ])
    }
}
