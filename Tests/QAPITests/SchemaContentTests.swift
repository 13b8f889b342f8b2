import JSON
import QAPI
import Testing

/// What the schema declares: the QMP surface vmig promises, and examples that agree with it.
@Suite struct SchemaContentTests {
    static let schema = QAPISchema.embedded

    @Test func commands() {
        #expect(Self.schema.commandNames == [
            "qmp_capabilities", "query-version", "query-commands", "query-name", "quit", "human-monitor-command",
            "query-qmp-schema",
            "query-status", "stop", "cont", "pmemsave", "x-query-digest", "qom-list", "qom-get", "qom-set", "device_add",
            "device_del",
            "query-migrate", "migrate-set-capabilities", "query-migrate-capabilities", "migrate-set-parameters",
            "query-migrate-parameters", "migrate", "migrate-incoming", "migrate_cancel", "migrate-continue",
            "x-query-vfio-migration",
        ])
    }

    @Test func events() {
        #expect(Self.schema.eventNames == [
            "STOP", "RESUME", "SHUTDOWN", "DEVICE_DELETED", "MIGRATION", "MIGRATION_PASS", "VFIO_MIGRATION",
            "VFIO_MIGRATION_PROGRESS",
        ])
    }

    @Test func commandDetails() throws {
        let migrate = try #require(Self.schema.command("migrate"))
        #expect(migrate.arguments.map(\.name) == ["uri", "channels", "detach", "resume"])
        #expect(migrate.arguments.allSatisfy { $0.isOptional })
        #expect(migrate.arguments[1].type == "[MigrationChannel]")
        #expect(migrate.file == "migration.json" && migrate.since == "0.14" && !migrate.doc.isEmpty)
        #expect(!migrate.allowOOB && !migrate.isUnstable && migrate.returns == nil)
        #expect(Self.schema.command("x-query-vfio-migration")?.isUnstable == true)
        #expect(Self.schema.command("device_add")?.allowsExtraArguments == true)
        #expect(Self.schema.command("query-commands")?.returns == "[CommandInfo]")
        #expect(Self.schema.command("migrate-set-parameters")?.arguments.count == 27)
        #expect(Self.schema.event("VFIO_MIGRATION_PROGRESS")?.isUnstable == true)
        #expect(Self.schema.event("VFIO_MIGRATION")?.data.map(\.name) == ["device-id", "qom-path", "device-state"])
    }

    @Test func enumsKeepQemusOrder() {
        let schemaInfo = Self.schema.introspection(implementedCommands: [])
        let values = { (name: String) -> [String] in
            let entry = schemaInfo.arrayValue?.first { $0["name"]?.stringValue == name }
            return entry?["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        #expect(values("MigrationStatus") == [
            "none", "setup", "cancelling", "cancelled", "active", "postcopy-active", "postcopy-paused",
            "postcopy-recover-setup", "postcopy-recover", "completed", "failed", "colo", "pre-switchover", "device",
            "wait-unplug",
        ])
        #expect(values("QapiVfioMigrationState") == [
            "stop", "running", "stop-copy", "resuming", "running-p2p", "pre-copy", "pre-copy-p2p",
        ])
    }

    @Test func capabilitiesKeepQemusOrder() throws {
        let schema = try #require(TestSupport.diskSchema)
        let info = IntrospectionTests.entries(schema.introspection(implementedCommands: ["query-migrate-capabilities"]))
        #expect(info["MigrationCapability"]?["values"]?.arrayValue?.compactMap(\.stringValue) == [
            "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "events", "postcopy-ram", "x-colo", "release-ram",
            "return-path", "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime",
            "late-block-activate", "x-ignore-shared", "validate-uuid", "background-snapshot", "zero-copy-send",
            "postcopy-preempt", "switchover-ack", "dirty-limit", "mapped-ram",
        ])
    }

    /// Every example must agree with the schema: `->` arguments pass (or fail with the text of the `<- {"error"}`
    /// that follows them), `<- {"return": ...}` values and `<- {"event": ...}` data pass.
    @Test func examplesAgreeWithTheSchema() throws {
        var checked = 0
        for command in Self.schema.commands {
            let messages = command.examples.map { (line: $0, object: TestSupport.object(String($0.dropFirst(3)))) }
            for (index, message) in messages.enumerated() {
                if message.line.hasPrefix("-> ") {
                    #expect(message.object["execute"]?.stringValue == command.name, "\(message.line)")
                    let error = TestSupport.argumentError(Self.schema, command.name, message.object["arguments"].map { "\($0)" })
                    let reply = index + 1 < messages.count ? messages[index + 1].object["error"]?["desc"]?.stringValue : nil
                    #expect(error == nil || error == reply, "\(message.line)")
                } else if let value = message.object["return"] {
                    #expect(throws: Never.self, "\(message.line)") {
                        try Self.schema.validateReturnValue(command: command.name, value: value)
                    }
                }
                checked += 1
            }
        }
        for event in Self.schema.events {
            for line in event.examples {
                let message = TestSupport.object(String(line.dropFirst(3)))
                #expect(message["event"]?.stringValue == event.name)
                #expect(TestSupport.eventError(Self.schema, event.name, "\(message["data"] ?? [:])") == nil, "\(line)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }
}
