import Foundation
import JSON
import QAPI
import Testing

/// The exported JSON Schemas, checked with Python's `jsonschema` package (scripts/jsonschema-check.py):
/// each schema must be valid draft 2020-12, and the package must accept and reject exactly the messages
/// our validator accepts and rejects.
@Suite struct JSONSchemaCrossCheckTests {
    static let schema = QAPISchema.embedded

    /// Messages beyond ValidationTests' cases, aimed at unions, alternates and events.
    static let extraCommandCases: [(command: String, arguments: String, valid: Bool)] = [
        ("migrate", #"{"uri": "tcp:127.0.0.1:4444", "detach": true}"#, true),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "inet", "host": "h", "port": "1", "numeric": true, "keep-alive": false}}]}"#, true),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "vsock", "cid": "3", "port": "1"}}]}"#, true),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "socket", "type": "fd", "str": "migfd"}}]}"#, true),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "file", "filename": "/f", "offset": 0}}]}"#, true),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "file", "filename": "/f", "offset": 0, "path": "/p"}}]}"#, false),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "rdma", "host": "h", "port": "1"}}]}"#, true),
        ("migrate", #"{"channels": [{"channel-type": "main", "addr": {"transport": "rdma", "host": "h", "port": "1", "type": "inet"}}]}"#, false),
        ("migrate", #"{"channels": [{"channel-type": "backup", "addr": {"transport": "exec", "args": []}}]}"#, false),
        ("migrate-incoming", #"{"uri": "unix:/tmp/m", "exit-on-error": false}"#, true),
        ("migrate-incoming", #"{"exit-on-error": "no"}"#, false),
        ("migrate-set-parameters", #"{"announce-initial": 50, "mode": "cpr-transfer", "zero-page-detection": "legacy", "vcpu-dirty-limit": 1, "multifd-zstd-level": 20}"#, true),
        ("migrate-set-parameters", #"{"tls-authz": []}"#, false),
        ("migrate-set-parameters", #"{"downtime-limit": -9223372036854775808}"#, true),
        ("migrate-set-parameters", #"{"cpu-throttle-tailslow": null}"#, false),
        ("qmp_capabilities", #"{}"#, true),
        ("query-qmp-schema", #"{"x": null}"#, false),
        ("human-monitor-command", #"{"command-line": "info migrate", "cpu-index": -1}"#, true),
        ("device_add", #"{"driver": "vfio-pci", "bus": 1}"#, false),
        ("migrate-continue", #"{"state": "pre-switchover"}"#, true),
    ]

    static let eventCases: [(event: String, data: String, valid: Bool)] = [
        ("MIGRATION", #"{"status": "postcopy-recover-setup"}"#, true),
        ("MIGRATION", #"{"status": "done"}"#, false),
        ("MIGRATION_PASS", #"{"pass": 3}"#, true),
        ("STOP", #"{}"#, true),
        ("STOP", #"{"reason": "x"}"#, false),
        ("SHUTDOWN", #"{"guest": false, "reason": "host-qmp-quit"}"#, true),
        ("DEVICE_DELETED", #"{"path": "/machine/peripheral/gpu0"}"#, true),
        ("DEVICE_DELETED", #"{"device": "gpu0"}"#, false),
        ("VFIO_MIGRATION", #"{"device-id": "gpu0", "qom-path": "/machine/peripheral/gpu0", "device-state": "stop-copy"}"#, true),
        ("VFIO_MIGRATION", #"{"device-id": "gpu0", "qom-path": "/p", "device-state": "copying"}"#, false),
        ("VFIO_MIGRATION_PROGRESS", #"{"device-id": "gpu0", "phase": "saving", "bytes-done": 1, "bytes-total": 18446744073709551615, "mode": "multifd"}"#, true),
        ("VFIO_MIGRATION_PROGRESS", #"{"device-id": "gpu0", "phase": "saving", "bytes-done": 1.5, "bytes-total": 2, "mode": "multifd"}"#, false),
    ]

    /// One message: where it goes, what it is, and what our validator says of it.
    struct Case {
        let kind: String
        let name: String
        let instance: JSONObject
        let ourVerdict: Bool
    }

    static func cases() -> [Case] {
        var cases: [Case] = []
        for check in ValidationTests.schemaCases where schema.command(check.command) != nil {
            let instance = check.arguments.map(TestSupport.object) ?? [:]
            let ours = TestSupport.argumentError(schema, check.command, check.arguments) == nil
            cases.append(Case(kind: "commands", name: check.command, instance: instance, ourVerdict: ours))
        }
        for check in extraCommandCases {
            let ours = TestSupport.argumentError(schema, check.command, check.arguments) == nil
            #expect(ours == check.valid, "our validator on \(check.command) \(check.arguments)")
            cases.append(Case(kind: "commands", name: check.command, instance: TestSupport.object(check.arguments), ourVerdict: ours))
        }
        for check in eventCases {
            let ours = TestSupport.eventError(schema, check.event, check.data) == nil
            #expect(ours == check.valid, "our validator on \(check.event) \(check.data)")
            cases.append(Case(kind: "events", name: check.event, instance: TestSupport.object(check.data), ourVerdict: ours))
        }
        return cases
    }

    @Test func pythonJSONSchemaAgreesWithOurValidator() throws {
        let cases = Self.cases()
        #expect(cases.filter(\.ourVerdict).count >= 25 && cases.filter { !$0.ourVerdict }.count >= 40)
        let request: JSONValue = [
            "schemas": Self.schema.jsonSchemas(),
            "cases": .array(cases.map { ["kind": .string($0.kind), "name": .string($0.name), "instance": .object($0.instance)] }),
        ]
        let verdicts = try Self.runChecker(request)
        try #require(verdicts.count == cases.count)
        for (check, python) in zip(cases, verdicts) {
            #expect(python == check.ourVerdict, "\(check.kind)/\(check.name) \(JSONValue.object(check.instance)): jsonschema says \(python)")
        }
    }

    @Test func everyCommandAndEventHasASchema() {
        let schemas = Self.schema.jsonSchemas()
        #expect(schemas["commands"]?.objectValue?.keys.elementsEqual(Self.schema.commandNames) == true)
        #expect(schemas["events"]?.objectValue?.keys.elementsEqual(Self.schema.eventNames) == true)
        #expect(schemas["commands"]?["migrate"]?["$schema"] == "https://json-schema.org/draft/2020-12/schema")
    }

    /// Runs scripts/jsonschema-check.py on `request` and returns its verdicts.
    static func runChecker(_ request: JSONValue) throws -> [Bool] {
        let requestURL = FileManager.default.temporaryDirectory.appendingPathComponent("vmig-jsonschema-\(getpid()).json")
        try Data(JSONWriter.encode(request)).write(to: requestURL)
        defer { try? FileManager.default.removeItem(at: requestURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(TestSupport.repositoryRoot)/scripts/jsonschema-check.py", requestURL.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: stderr, as: UTF8.self)
        try #require(process.terminationStatus == 0, "jsonschema-check.py failed: \(message)")
        let verdicts = TestSupport.json(String(decoding: stdout, as: UTF8.self)).arrayValue ?? []
        return verdicts.compactMap(\.boolValue)
    }
}
