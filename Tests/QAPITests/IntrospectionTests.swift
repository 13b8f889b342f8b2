import JSON
import QAPI
import Testing

/// `query-qmp-schema` in QEMU's SchemaInfo format.
@Suite struct IntrospectionTests {
    static let schema = QAPISchema.embedded
    static let all = entries(schema.introspection(implementedCommands: Set(schema.commandNames)))

    static func entries(_ value: JSONValue) -> [String: JSONObject] {
        var byName: [String: JSONObject] = [:]
        for entry in value.arrayValue ?? [] {
            if let object = entry.objectValue, let name = object["name"]?.stringValue { byName[name] = object }
        }
        return byName
    }

    static func member(_ entry: JSONObject?, _ name: String) -> JSONObject? {
        entry?["members"]?.arrayValue?.compactMap(\.objectValue).first { $0["name"]?.stringValue == name }
    }

    @Test func commandsAndEventsLookLikeQemus() {
        #expect(Self.all["query-migrate"] == ["name": "query-migrate", "meta-type": "command", "arg-type": "q_empty", "ret-type": "MigrationInfo"])
        #expect(Self.all["migrate-set-parameters"]?["arg-type"] == "MigrateSetParameters")
        #expect(Self.all["migrate"]?["arg-type"] == "q_obj_migrate-arg")
        #expect(Self.all["MIGRATION"] == ["name": "MIGRATION", "meta-type": "event", "arg-type": "q_obj_MIGRATION-arg"])
        #expect(Self.all["STOP"]?["arg-type"] == "q_empty")
        #expect(Self.all["x-query-digest"]?["features"] == ["unstable"])
        #expect(Self.all["q_empty"] == ["name": "q_empty", "meta-type": "object", "members": []])
    }

    @Test func optionalMembersHaveDefaultNullAndFeatures() {
        let parameters = Self.all["MigrateSetParameters"]
        #expect(Self.member(parameters, "x-checkpoint-delay") == ["name": "x-checkpoint-delay", "type": "int", "default": nil, "features": ["unstable"]])
        #expect(Self.member(parameters, "tls-creds") == ["name": "tls-creds", "type": "StrOrNull", "default": nil])
        #expect(Self.member(Self.all["q_obj_MIGRATION-arg"], "status") == ["name": "status", "type": "MigrationStatus"])
    }

    @Test func integerTypesAreReportedAsInt() {
        let info = Self.all["MigrationInfo"]
        #expect(Self.member(info, "postcopy-blocktime")?["type"] == "int")
        #expect(Self.member(info, "postcopy-vcpu-blocktime")?["type"] == "[int]")
        #expect(Self.all["[int]"] == ["name": "[int]", "meta-type": "array", "element-type": "int"])
        #expect(Self.all["int"] == ["name": "int", "meta-type": "builtin", "json-type": "int"])
        #expect(Self.all["str"] == ["name": "str", "meta-type": "builtin", "json-type": "string"])
        for narrow in ["uint8", "uint32", "uint64", "size", "int8", "int64", "[uint32]"] {
            #expect(Self.all[narrow] == nil, "\(narrow) must not appear in introspection")
        }
    }

    @Test func enumsAlternatesAndUnions() {
        let status = Self.all["MigrationStatus"]
        #expect(status?["meta-type"] == "enum")
        #expect(status?["values"]?.arrayValue?.count == 15)
        #expect(status?["members"]?.arrayValue?.first == ["name": "none"])
        let capability = Self.all["MigrationCapability"]?["members"]?.arrayValue
        #expect(capability?.contains(["name": "x-colo", "features": ["unstable"]]) == true)
        #expect(Self.all["StrOrNull"] == ["name": "StrOrNull", "meta-type": "alternate", "members": [["type": "str"], ["type": "null"]]])
        let address = Self.all["SocketAddress"]
        #expect(address?["tag"] == "type")
        #expect(address?["members"] == [["name": "type", "type": "SocketAddressType"]])
        #expect(address?["variants"]?.arrayValue?.contains(["case": "unix", "type": "UnixSocketAddress"]) == true)
        #expect(Self.member(Self.all["InetSocketAddress"], "host") == ["name": "host", "type": "str"])
    }

    @Test func onlyImplementedCommandsButAllEvents() {
        let some = Self.entries(Self.schema.introspection(implementedCommands: ["query-status"]))
        #expect(some["query-status"] != nil)
        #expect(some["migrate"] == nil)
        #expect(some["q_obj_migrate-arg"] == nil, "types reached only from unimplemented commands are left out")
        for event in Self.schema.eventNames { #expect(some[event] != nil) }
        #expect(some["RunState"] != nil)
    }

    @Test func everyReferencedTypeHasOneEntry() throws {
        let list = try #require(Self.schema.introspection(implementedCommands: Set(Self.schema.commandNames)).arrayValue)
        let names = list.compactMap { $0["name"]?.stringValue }
        #expect(Set(names).count == names.count, "no entry twice")
        var referenced: Set<String> = []
        for entry in list.compactMap(\.objectValue) {
            for key in ["arg-type", "ret-type", "element-type"] { if let name = entry[key]?.stringValue { referenced.insert(name) } }
            for item in (entry["members"]?.arrayValue ?? []) + (entry["variants"]?.arrayValue ?? []) {
                if let name = item["type"]?.stringValue { referenced.insert(name) }
            }
        }
        #expect(referenced.subtracting(names).isEmpty)
    }

    @Test func outputValidatesAgainstItsOwnSchemaInfoType() throws {
        let output = Self.schema.introspection(implementedCommands: Set(Self.schema.commandNames))
        try Self.schema.validateReturnValue(command: "query-qmp-schema", value: output)
    }
}
