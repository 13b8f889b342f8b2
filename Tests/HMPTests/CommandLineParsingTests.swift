import HMP
import JSON
import Testing

@Suite("HMP command lines: names, arguments and QEMU's parse errors")
struct CommandLineParsingTests {
    @Test func blankLineDoesNothing() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("   ") == HMPResult(text: "", succeeded: true))
        #expect(server.calls.isEmpty)
    }

    @Test func unknownCommandNamesTheNearestOne() throws {
        let result = try FakeQMPCaller().run("migrat unix:/tmp/x")
        #expect(result == HMPResult(text: "unknown command: 'migrat'\nDid you mean 'migrate'?\n", succeeded: false))
    }

    @Test func unknownInfoSubcommandNamesTheNearestOne() throws {
        let result = try FakeQMPCaller().run("info stauts")
        #expect(result.text == "unknown command: 'info stauts'\nDid you mean 'info status'?\n")
        #expect(!result.succeeded)
    }

    @Test func prefixOfALongNameSuggestsIt() throws {
        #expect(try FakeQMPCaller().run("migrate_set_param x 1").text
            == "unknown command: 'migrate_set_param'\nDid you mean 'migrate_set_parameter'?\n")
    }

    @Test func farOffNameGetsNoHint() throws {
        #expect(try FakeQMPCaller().run("xyzzy").text == "unknown command: 'xyzzy'\n")
    }

    @Test func aliasesWork() throws {
        let server = FakeQMPCaller()
        _ = try server.run("s")
        _ = try server.run("c")
        #expect(server.calls.map(\.command) == ["stop", "cont"])
    }

    @Test func missingArgument() throws {
        let result = try FakeQMPCaller().run("migrate")
        #expect(result == HMPResult(text: "migrate: string expected\nTry \"help migrate\" for more information\n", succeeded: false))
    }

    @Test func extraneousCharacters() throws {
        #expect(try FakeQMPCaller().run("stop now").text
            == "stop|s: extraneous characters at the end of line\nTry \"help stop\" for more information\n")
        #expect(try FakeQMPCaller().run("info status  now").text
            == "status: extraneous characters at the end of line\nTry \"help info status\" for more information\n")
    }

    @Test func onOffArgument() throws {
        #expect(try FakeQMPCaller().run("migrate_set_capability multifd yes").text
            == "Expected 'on' or 'off'\nTry \"help migrate_set_capability\" for more information\n")
    }

    @Test func unsupportedOption() throws {
        #expect(try FakeQMPCaller().run("migrate -x unix:/tmp/m").text
            == "migrate: unsupported option -x\nTry \"help migrate\" for more information\n")
    }

    @Test func quotedStringsWithEscapes() throws {
        let server = FakeQMPCaller()
        _ = try server.run(#"migrate_incoming "unix:/tmp/with space\"quote""#)
        #expect(server.lastCall == ["execute": "migrate-incoming", "arguments": ["uri": "unix:/tmp/with space\"quote", "exit-on-error": false]])
    }

    @Test func unterminatedQuoteIsAMissingString() throws {
        #expect(try FakeQMPCaller().run(#"migrate_incoming "unix:/tmp"#).text
            == "migrate_incoming: string expected\nTry \"help migrate_incoming\" for more information\n")
    }

    @Test func qmpErrorsPrintHMPStyle() throws {
        let server = FakeQMPCaller()
        server.errors["cont"] = QMPCallError(errorClass: "GenericError", desc: "Migration is not finalized yet")
        #expect(try server.run("cont") == HMPResult(text: "Error: Migration is not finalized yet\n", succeeded: false))
    }

    @Test func connectionErrorsPropagate() {
        struct Gone: Error {}
        final class BrokenCaller: QMPCaller {
            func execute(_ command: String, _ arguments: JSONObject) throws -> JSONValue { throw Gone() }
        }
        #expect(throws: Gone.self) { try HMPInterpreter(caller: BrokenCaller()).execute("info status") }
    }

    @Test func humanMonitorCommandUsesCRLF() throws {
        let text = try HMPInterpreter(caller: FakeQMPCaller()).humanMonitorCommand("info migrate_capabilities")
        #expect(text.hasPrefix("xbzrle: off\r\nrdma-pin-all: off\r\n"))
        #expect(text.hasSuffix("mapped-ram: off\r\n"))
    }
}
