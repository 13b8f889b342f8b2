import JSON
import QAPI
import Testing

/// One argument check and the exact text QEMU gives for it (nil: accepted).
struct ValidationCase: CustomTestStringConvertible, Sendable {
    let command: String
    let arguments: String?
    let expected: String?

    init(_ command: String, _ arguments: String?, _ expected: String?) {
        self.command = command
        self.arguments = arguments
        self.expected = expected
    }

    var testDescription: String { "\(command) \(arguments ?? "(no arguments)")" }
}

/// Every error text of the validator, exactly as QEMU's QObject input visitor words it.
@Suite struct ValidationTests {
    static let schema = QAPISchema.embedded

    /// The real schema: the texts observed from QEMU 7.2 (qemu72-qmp transcripts) and their relatives.
    static let schemaCases: [ValidationCase] = [
        // Missing members, with the full path for nested ones.
        ValidationCase("device_del", "{}", "Parameter 'id' is missing"),
        ValidationCase("qom-get", #"{"path": "/machine"}"#, "Parameter 'property' is missing"),
        ValidationCase(
            "migrate-set-capabilities", #"{"capabilities": [{"capability": "multifd"}]}"#,
            "Parameter 'capabilities[0].state' is missing"),
        ValidationCase("migrate-set-capabilities", nil, "Parameter 'capabilities' is missing"),
        // Unexpected members.
        ValidationCase("migrate-set-parameters", #"{"no-such-param": 1}"#, "Parameter 'no-such-param' is unexpected"),
        ValidationCase("query-version", #"{"x": 1}"#, "Parameter 'x' is unexpected"),
        ValidationCase(
            "migrate-set-capabilities", #"{"capabilities": [{"capability": "multifd", "state": true, "foo": 1}]}"#,
            "Parameter 'capabilities[0].foo' is unexpected"),
        // Wrong JSON types.
        ValidationCase(
            "migrate-set-capabilities", #"{"capabilities": [{"capability": "multifd", "state": "yes"}]}"#,
            "Invalid parameter type for 'capabilities[0].state', expected: boolean"),
        ValidationCase(
            "migrate-set-capabilities", #"{"capabilities": {}}"#,
            "Invalid parameter type for 'capabilities', expected: array"),
        ValidationCase(
            "migrate-set-capabilities", #"{"capabilities": [true]}"#,
            "Invalid parameter type for 'capabilities[0]', expected: object"),
        ValidationCase("qom-list", #"{"path": 1}"#, "Invalid parameter type for 'path', expected: string"),
        ValidationCase(
            "human-monitor-command", #"{"command-line": "info status", "cpu-index": "0"}"#,
            "Invalid parameter type for 'cpu-index', expected: integer"),
        ValidationCase(
            "human-monitor-command", #"{"command-line": "info status", "cpu-index": 2.5}"#,
            "Invalid parameter type for 'cpu-index', expected: integer"),
        ValidationCase(
            "human-monitor-command", #"{"command-line": "info status", "cpu-index": 18446744073709551615}"#,
            "Invalid parameter type for 'cpu-index', expected: integer"),
        // Unsigned integers: the uint64 reader, then the width check by member name.
        ValidationCase("migrate-set-parameters", #"{"multifd-channels": "abc"}"#, "Parameter 'multifd-channels' expects uint64"),
        ValidationCase("migrate-set-parameters", #"{"multifd-channels": 2.5}"#, "Parameter 'multifd-channels' expects uint64"),
        ValidationCase("migrate-set-parameters", #"{"multifd-channels": 256}"#, "Parameter 'multifd-channels' expects uint8_t"),
        ValidationCase("migrate-set-parameters", #"{"multifd-channels": -1}"#, "Parameter 'multifd-channels' expects uint8_t"),
        ValidationCase("migrate-set-parameters", #"{"multifd-channels": 0}"#, nil),
        ValidationCase("migrate-set-parameters", #"{"multifd-channels": 255}"#, nil),
        ValidationCase("migrate-set-parameters", #"{"max-bandwidth": -1}"#, nil),
        ValidationCase("migrate-set-parameters", #"{"max-bandwidth": 18446744073709551615}"#, nil),
        ValidationCase("migrate-set-parameters", #"{"max-bandwidth": "1G"}"#, "Parameter 'max-bandwidth' expects uint64"),
        ValidationCase("migrate-set-parameters", #"{"downtime-limit": 2000001}"#, nil),
        ValidationCase(
            "migrate-set-parameters", #"{"x-checkpoint-delay": 4294967296}"#, "Parameter 'x-checkpoint-delay' expects uint32_t"),
        ValidationCase(
            "migrate",
            #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "inet", "host": "h", "port": "1", "to": 65536}}]}"#,
            "Parameter 'to' expects uint16_t"),
        // Enums: the member's name, or null for list elements.
        ValidationCase(
            "migrate-set-capabilities", #"{"capabilities": [{"capability": "nope", "state": true}]}"#,
            "Parameter 'capability' does not accept value 'nope'"),
        ValidationCase("qmp_capabilities", #"{"enable": ["bogus"]}"#, "Parameter 'null' does not accept value 'bogus'"),
        ValidationCase("qmp_capabilities", #"{"enable": [1]}"#, "Invalid parameter type for 'enable[0]', expected: string"),
        ValidationCase("qmp_capabilities", #"{"enable": ["oob"]}"#, nil),
        ValidationCase(
            "migrate-set-parameters", #"{"multifd-compression": "lz4"}"#,
            "Parameter 'multifd-compression' does not accept value 'lz4'"),
        ValidationCase("migrate-continue", #"{"state": 3}"#, "Invalid parameter type for 'state', expected: string"),
        // Alternates: the branch is chosen by JSON type.
        ValidationCase("migrate-set-parameters", #"{"tls-creds": null, "tls-hostname": "peer", "tls-authz": ""}"#, nil),
        ValidationCase("migrate-set-parameters", #"{"tls-creds": 5}"#, "Invalid parameter type for 'tls-creds', expected: StrOrNull"),
        // Flat unions, nested two deep (MigrationAddress → SocketAddress).
        ValidationCase(
            "migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "unix", "path": "/tmp/m"}}]}"#,
            nil),
        ValidationCase(
            "migrate", #"{"channels": [{"channel-type": "main", "addr": {"type": "unix", "path": "/tmp/m"}}]}"#,
            "Parameter 'channels[0].addr.transport' is missing"),
        ValidationCase(
            "migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "pigeon"}}]}"#,
            "Parameter 'transport' does not accept value 'pigeon'"),
        ValidationCase(
            "migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "path": "/tmp/m"}}]}"#,
            "Parameter 'channels[0].addr.type' is missing"),
        ValidationCase(
            "migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "unix"}}]}"#,
            "Parameter 'channels[0].addr.path' is missing"),
        ValidationCase(
            "migrate",
            #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "unix", "path": "/m", "host": "h"}}]}"#,
            "Parameter 'channels[0].addr.host' is unexpected"),
        ValidationCase(
            "migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "exec", "args": ["cat"]}}]}"#, nil),
        // Absent arguments are {}; gen: false takes further members.
        ValidationCase("migrate-set-parameters", nil, nil),
        ValidationCase("query-migrate", nil, nil),
        ValidationCase("device_add", #"{"driver": "vfio-pci", "id": "gpu0", "x-state-size": 268435456}"#, nil),
        ValidationCase("device_add", #"{"id": "gpu0"}"#, "Parameter 'driver' is missing"),
        ValidationCase("device_add", #"{"driver": 7}"#, "Invalid parameter type for 'driver', expected: string"),
        ValidationCase("qom-set", #"{"path": "gpu0", "property": "p", "value": {"any": ["thing"]}}"#, nil),
        // The first error in schema order wins; unexpected members come last.
        ValidationCase(
            "migrate-set-capabilities", #"{"bogus": 1, "capabilities": [{"capability": "x", "state": true, "extra": 1}]}"#,
            "Parameter 'capability' does not accept value 'x'"),
        ValidationCase("no-such-command", nil, "The command no-such-command has not been found"),
    ]

    @Test(arguments: schemaCases)
    func schemaArguments(_ check: ValidationCase) {
        #expect(TestSupport.argumentError(Self.schema, check.command, check.arguments) == check.expected)
    }

    /// A schema that uses every builtin, for the range and type texts no real command reaches.
    static let builtinSchema: QAPISchema? = try? QAPISchema(files: [
        (
            name: "test.json",
            text: #"""
                [
                  {"command": "x-types", "since": "1", "doc": "d",
                   "data": {"*i8": "int8", "*i16": "int16", "*i32": "int32", "*i64": "int64", "*i": "int",
                            "*u8": "uint8", "*u16": "uint16", "*u32": "uint32", "*u64": "uint64", "*sz": "size",
                            "*num": "number", "*nul": "null", "*any": "any", "*b": "bool", "*s": "str",
                            "*list": ["uint8"]}},
                  {"command": "x-need-uri", "since": "1", "doc": "d", "data": {"uri": "str"}}
                ]
                """#
        )
    ])

    static let builtinCases: [ValidationCase] = [
        ValidationCase("x-need-uri", "{}", "Parameter 'uri' is missing"),
        ValidationCase("x-types", #"{"i8": 127, "i16": -32768, "i32": 2147483647, "i64": -9223372036854775808}"#, nil),
        ValidationCase("x-types", #"{"i8": 128}"#, "Parameter 'i8' expects int8_t"),
        ValidationCase("x-types", #"{"i8": -129}"#, "Parameter 'i8' expects int8_t"),
        ValidationCase("x-types", #"{"i16": 32768}"#, "Parameter 'i16' expects int16_t"),
        ValidationCase("x-types", #"{"i32": -2147483649}"#, "Parameter 'i32' expects int32_t"),
        ValidationCase("x-types", #"{"i32": "1"}"#, "Invalid parameter type for 'i32', expected: integer"),
        ValidationCase("x-types", #"{"i": 9223372036854775808}"#, "Invalid parameter type for 'i', expected: integer"),
        ValidationCase("x-types", #"{"u16": -1}"#, "Parameter 'u16' expects uint16_t"),
        ValidationCase("x-types", #"{"u32": 4294967295, "u64": -1, "sz": 18446744073709551615}"#, nil),
        ValidationCase("x-types", #"{"u32": -1}"#, "Parameter 'u32' expects uint32_t"),
        ValidationCase("x-types", #"{"u64": true}"#, "Parameter 'u64' expects uint64"),
        ValidationCase("x-types", #"{"sz": "1M"}"#, "Parameter 'sz' expects uint64"),
        ValidationCase("x-types", #"{"num": 1}"#, nil),
        ValidationCase("x-types", #"{"num": -2.5e3}"#, nil),
        ValidationCase("x-types", #"{"num": 18446744073709551615}"#, nil),
        ValidationCase("x-types", #"{"num": "1"}"#, "Invalid parameter type for 'num', expected: number"),
        ValidationCase("x-types", #"{"nul": null}"#, nil),
        ValidationCase("x-types", #"{"nul": 0}"#, "Invalid parameter type for 'nul', expected: null"),
        ValidationCase("x-types", #"{"any": [null, {"a": 1}]}"#, nil),
        ValidationCase("x-types", #"{"b": 1}"#, "Invalid parameter type for 'b', expected: boolean"),
        ValidationCase("x-types", #"{"s": null}"#, "Invalid parameter type for 's', expected: string"),
        ValidationCase("x-types", #"{"list": [1, 300]}"#, "Parameter 'null' expects uint8_t"),
        ValidationCase("x-types", #"{"list": [1, "a"]}"#, "Parameter 'list[1]' expects uint64"),
        ValidationCase("x-types", #"{"list": 1}"#, "Invalid parameter type for 'list', expected: array"),
    ]

    @Test(arguments: builtinCases)
    func builtinArguments(_ check: ValidationCase) throws {
        let schema = try #require(Self.builtinSchema)
        #expect(TestSupport.argumentError(schema, check.command, check.arguments) == check.expected)
    }

    @Test func eventData() {
        #expect(TestSupport.eventError(Self.schema, "MIGRATION", #"{"status": "completed"}"#) == nil)
        #expect(TestSupport.eventError(Self.schema, "MIGRATION", "{}") == "Parameter 'status' is missing")
        #expect(
            TestSupport.eventError(Self.schema, "MIGRATION", #"{"status": "bogus"}"#)
                == "Parameter 'status' does not accept value 'bogus'")
        #expect(TestSupport.eventError(Self.schema, "MIGRATION_PASS", #"{"pass": "1"}"#)
            == "Invalid parameter type for 'pass', expected: integer")
        #expect(TestSupport.eventError(Self.schema, "STOP", "{}") == nil)
        #expect(TestSupport.eventError(Self.schema, "STOP", #"{"x": 1}"#) == "Parameter 'x' is unexpected")
        #expect(TestSupport.eventError(Self.schema, "NOPE", "{}") == "The event NOPE is not in the schema")
    }

    @Test func returnValues() throws {
        try Self.schema.validateReturnValue(command: "query-migrate", value: [:])
        try Self.schema.validateReturnValue(command: "query-status", value: ["running": false, "status": "prelaunch"])
        // query-migrate replies observed from QEMU 7.2 (qemu72-observed.md).
        try Self.schema.validateReturnValue(
            command: "query-migrate", value: TestSupport.json(#"{"socket-address": [{"path": "/tmp/peer-mig.sock", "type": "unix"}]}"#))
        try Self.schema.validateReturnValue(
            command: "query-migrate",
            value: TestSupport.json(#"{"status": "failed", "error-desc": "Failed to connect to '/tmp/x.sock': No such file or directory"}"#))
        #expect(throws: QAPIValidationError(message: "Parameter 'status' does not accept value 'walking'")) {
            try Self.schema.validateReturnValue(command: "query-status", value: ["running": true, "status": "walking"])
        }
        #expect(throws: QAPIValidationError(message: "Parameter '[1].name' is missing")) {
            try Self.schema.validateReturnValue(command: "query-commands", value: [["name": "quit"], [:]])
        }
    }

    @Test func validArgumentsComeBackUnchanged() throws {
        let arguments = TestSupport.object(#"{"max-bandwidth": -1, "tls-creds": null}"#)
        #expect(try Self.schema.validateArguments(command: "migrate-set-parameters", arguments: arguments) == arguments)
        #expect(try Self.schema.validateArguments(command: "query-status", arguments: nil) == [:])
        #expect(arguments["max-bandwidth"]?.wrappingUInt64Value == UInt64.max)
    }
}
