import JSON
import MachineTesting
import Monitor
import QAPI
import QMP
import Testing

/// The schema and the handlers describe the same surface: no handler without a schema entry, no schema
/// command without a handler, no event emitted that the schema does not declare.
@Suite("Schema coverage")
struct SchemaCoverageTests {
    private static func table() throws -> QMPCommandTable {
        let machine = try TestMachine(size: 1 << 20, fill: .zero)
        return CommandTableBuilder.build(
            machine: machine.machine, version: QMPVersion(major: 10, minor: 0, micro: 0, package: "t"),
            schema: QAPICommandSchema())
    }

    @Test func everyHandlerHasASchemaEntryAndEverySchemaCommandAHandler() throws {
        let implemented = Set(try Self.table().names + ["qmp_capabilities"])
        let declared = Set(QAPISchema.embedded.commandNames)
        #expect(implemented.subtracting(declared).isEmpty, "handlers without schema entries: \(implemented.subtracting(declared).sorted())")
        #expect(declared.subtracting(implemented).isEmpty, "schema commands without handlers: \(declared.subtracting(implemented).sorted())")
    }

    @Test func everyEventTheCodeEmitsIsDeclared() {
        let declared = Set(QAPISchema.embedded.eventNames)
        for event in EmittedEvents.all {
            #expect(declared.contains(event), "event \(event) is emitted but not in the schema")
        }
    }

    @Test func theEventValidatorRejectsUndeclaredEventsAndBadData() {
        let validate = QAPICommandSchema().eventValidator
        #expect(validate("STOP", nil) == nil)
        #expect(validate("MIGRATION", ["status": "completed"]) == nil)
        #expect(validate("MIGRATION", ["status": "nope"]) != nil)
        #expect(validate("NO_SUCH_EVENT", nil) != nil)
    }
}
