import HMP
import JSON
import Testing

@Suite("migrate, migrate_incoming, migrate_cancel, migrate_continue, migrate_set_capability, migrate_set_parameter")
struct MigrationCommandTests {
    @Test func migrateInTheClientWaits() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("migrate unix:/tmp/m.sock") == HMPResult(text: "", succeeded: true, followUp: .waitForMigration))
        #expect(server.lastCall == ["execute": "migrate", "arguments": ["uri": "unix:/tmp/m.sock"]])
    }

    @Test func migrateDetachedDoesNotWait() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("migrate -d tcp:127.0.0.1:4444") == HMPResult(text: "", succeeded: true))
        #expect(server.lastCall == ["execute": "migrate", "arguments": ["uri": "tcp:127.0.0.1:4444"]])
    }

    @Test func migrateResume() throws {
        let server = FakeQMPCaller()
        _ = try server.run("migrate -d -r tcp:127.0.0.1:4444")
        #expect(server.lastCall == ["execute": "migrate", "arguments": ["uri": "tcp:127.0.0.1:4444", "resume": true]])
    }

    @Test func migrateUnderHumanMonitorCommandContinuesDetached() throws {
        let result = try FakeQMPCaller().run("migrate unix:/tmp/m.sock", frontend: .humanMonitorCommand)
        #expect(result == HMPResult(text: "terminal does not allow synchronous migration, continuing detached\n", succeeded: true))
    }

    @Test func failedMigrateDoesNotWait() throws {
        let server = FakeQMPCaller()
        server.errors["migrate"] = QMPCallError(errorClass: "GenericError", desc: "There's a migration process in progress")
        #expect(try server.run("migrate unix:/tmp/m.sock")
            == HMPResult(text: "Error: There's a migration process in progress\n", succeeded: false))
    }

    @Test func incomingCancelContinue() throws {
        let server = FakeQMPCaller()
        _ = try server.run("migrate_incoming tcp:0:4444")
        #expect(server.lastCall == ["execute": "migrate-incoming", "arguments": ["uri": "tcp:0:4444", "exit-on-error": false]])
        _ = try server.run("migrate_cancel")
        #expect(server.lastCall == ["execute": "migrate_cancel", "arguments": [:]])
        _ = try server.run("migrate_continue pre-switchover")
        #expect(server.lastCall == ["execute": "migrate-continue", "arguments": ["state": "pre-switchover"]])
    }

    @Test func migrateContinueChecksTheState() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("migrate_continue pre-swithcover")
            == HMPResult(text: "Error: invalid parameter value: pre-swithcover\nDid you mean 'pre-switchover'?\n", succeeded: false))
        #expect(server.calls.isEmpty)
    }

    @Test func setCapability() throws {
        let server = FakeQMPCaller()
        _ = try server.run("migrate_set_capability multifd on")
        #expect(server.lastCall == [
            "execute": "migrate-set-capabilities",
            "arguments": ["capabilities": [["capability": "multifd", "state": true]]],
        ])
        _ = try server.run("migrate_set_capability events off")
        #expect(server.lastCall?["arguments"]?["capabilities"] == [["capability": "events", "state": false]])
    }

    @Test func unknownCapability() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("migrate_set_capability multfd on")
            == HMPResult(text: "Error: 'multfd' is not a migration capability\nDid you mean 'multifd'?\n", succeeded: false))
        #expect(try server.run("migrate_set_capability nosuch on")
            == HMPResult(text: "Error: 'nosuch' is not a migration capability\n'info migrate_capabilities' lists them.\n", succeeded: false))
        #expect(server.calls.isEmpty)
    }

    @Test(arguments: [
        ("max-bandwidth 1G", "max-bandwidth", JSONValue.int(1 << 30)),
        ("max-bandwidth 100", "max-bandwidth", .int(100 << 20)),
        ("max-bandwidth 1.5", "max-bandwidth", .int(3 << 19)),
        ("max-bandwidth 512k", "max-bandwidth", .int(512 << 10)),
        ("avail-switchover-bandwidth 10", "avail-switchover-bandwidth", .int(10 << 20)),
        ("downtime-limit 500", "downtime-limit", .int(500)),
        ("xbzrle-cache-size 64M", "xbzrle-cache-size", .int(64 << 20)),
        ("multifd-channels 8", "multifd-channels", .int(8)),
        ("multifd-channels 0x10", "multifd-channels", .int(16)),
        ("x-checkpoint-delay 4294967295", "x-checkpoint-delay", .int(4_294_967_295)),
        ("cpu-throttle-tailslow on", "cpu-throttle-tailslow", .bool(true)),
        ("cpu-throttle-tailslow No", "cpu-throttle-tailslow", .bool(false)),
        ("tls-creds tls0", "tls-creds", .string("tls0")),
        ("multifd-compression zstd", "multifd-compression", .string("zstd")),
        ("zero-page-detection legacy", "zero-page-detection", .string("legacy")),
        ("mode cpr-transfer", "mode", .string("cpr-transfer")),
        ("announce-step 200", "announce-step", .int(200)),
    ])
    func setParameter(line: String, name: String, value: JSONValue) throws {
        let server = FakeQMPCaller()
        #expect(try server.run("migrate_set_parameter " + line) == HMPResult(text: "", succeeded: true))
        #expect(server.lastCall == ["execute": "migrate-set-parameters", "arguments": .object([name: value])])
    }

    @Test(arguments: [
        ("max-bandwith 1G", "Error: 'max-bandwith' is not a migration parameter\nDid you mean 'max-bandwidth'?\n"),
        ("nosuch 1", "Error: 'nosuch' is not a migration parameter\n'info migrate_parameters' lists them.\n"),
        ("block-bitmap-mapping x", "Error: 'block-bitmap-mapping' is not a migration parameter\n'info migrate_parameters' lists them.\n"),
        ("multifd-channels 256", "Error: Parameter 'multifd-channels' expects uint8_t, a whole number from 0 to 255\n"),
        ("multifd-channels four", "Error: Parameter 'multifd-channels' expects uint8_t, a whole number from 0 to 255\n"),
        ("multifd-channels -1", "Error: Parameter 'multifd-channels' expects uint8_t, a whole number from 0 to 255\n"),
        ("x-checkpoint-delay 4294967296", "Error: Parameter 'x-checkpoint-delay' expects uint32_t, a whole number from 0 to 4294967295\n"),
        ("max-bandwidth fast", "Error: Invalid size fast\n"),
        ("max-bandwidth 9E", "Error: Invalid size 9E\n"),
        ("max-bandwidth 1.5B", "Error: Invalid size 1.5B\n"),
        ("xbzrle-cache-size 8E", "Error: Invalid size 8E\n"),
        ("cpu-throttle-tailslow maybe", "Error: Invalid parameter type for 'cpu-throttle-tailslow', expected: boolean\n"),
        ("multifd-compression lz4", "Error: Parameter 'multifd-compression' does not accept value 'lz4'\n"),
        ("announce-rounds 1.5", """
            Error: Parameter 'announce-rounds' expects a non-negative number below 2^64
            Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-
            and exabytes, respectively.

            """),
        ("downtime-limit 1.5", "Error: Parameter 'downtime-limit' expects a whole number of milliseconds\n"),
        ("downtime-limit -5", "Error: Parameter 'downtime-limit' expects a whole number of milliseconds\n"),
        ("x-vcpu-dirty-limit-period soon", "Error: Parameter 'x-vcpu-dirty-limit-period' expects a whole number of milliseconds\n"),
        ("downtime-limit 16E", "Error: Value '16E' is out of range for parameter 'downtime-limit'\n"),
    ])
    func badParameterValues(line: String, expected: String) throws {
        let server = FakeQMPCaller()
        #expect(try server.run("migrate_set_parameter " + line) == HMPResult(text: expected, succeeded: false))
        #expect(server.calls.isEmpty)
    }

    /// The server's words, except that the parameter is named as it was typed (QEMU's range checks use
    /// `multifd_channels`, a name no HMP or QMP user types).
    @Test func serverRangeErrorsNameTheParameterAsTyped() throws {
        let server = FakeQMPCaller()
        server.errors["migrate-set-parameters"] = QMPCallError(
            errorClass: "GenericError", desc: "Parameter 'multifd_channels' expects a value between 1 and 255")
        #expect(try server.run("migrate_set_parameter multifd-channels 0").text
            == "Error: Parameter 'multifd-channels' expects a value between 1 and 255\n")
    }

    @Test func migrateIncomingWithoutIncomingNamesVmigdsFlag() throws {
        let server = FakeQMPCaller()
        server.errors["migrate-incoming"] = QMPCallError(
            errorClass: "GenericError", desc: "'-incoming' was not specified on the command line")
        #expect(try server.run("migrate_incoming unix:/tmp/m.sock") == HMPResult(text: """
            Error: '--incoming' was not specified on vmigd's command line
            Start the destination vmigd with --incoming defer to use migrate_incoming.

            """, succeeded: false))
    }
}
