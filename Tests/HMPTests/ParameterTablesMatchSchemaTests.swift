@testable import HMP
import JSON
import QAPI
import Testing

/// HMP's two hand-kept parameter tables (how `migrate_set_parameter` parses each value, and what
/// `info migrate_parameters` prints, both in QEMU's HMP order) hold only what the schema declares: every settable
/// parameter is parsed, only real parameters are printed, and the enum choices are the schema's.
struct ParameterTablesMatchSchemaTests {
    /// `query-qmp-schema`'s entities by name.
    static let entities: [String: JSONValue] = {
        let introspection = QAPISchema.embedded.introspection(implementedCommands: Set(QAPISchema.embedded.commandNames))
        var byName: [String: JSONValue] = [:]
        for entity in introspection.arrayValue ?? [] {
            if let name = entity["name"]?.stringValue { byName[name] = entity }
        }
        return byName
    }()

    /// The members of `migrate-set-parameters`' argument type, by name, with their type's entity.
    static var settable: [(name: String, type: JSONValue?)] {
        let command = entities["migrate-set-parameters"]
        let arguments = command?["arg-type"]?.stringValue.flatMap { entities[$0] }
        return (arguments?["members"]?.arrayValue ?? []).compactMap { member in
            guard let name = member["name"]?.stringValue else { return nil }
            return (name, member["type"]?.stringValue.flatMap { entities[$0] })
        }
    }

    @Test func everySettableParameterIsParsedInTheSchemaOrder() {
        #expect(!Self.settable.isEmpty)
        #expect(MigrationParameterCatalog.names == Self.settable.map(\.name))
    }

    @Test func enumChoicesAreTheSchemas() {
        var compared: [String] = []
        for (name, type) in Self.settable {
            guard case .enumeration(let choices)? = MigrationParameterCatalog.kind(of: name) else { continue }
            let values = type?["members"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                ?? type?["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(choices == values, "\(name)")
            compared.append(name)
        }
        #expect(compared == ["multifd-compression", "mode", "zero-page-detection"])
    }

    @Test func onlyRealParametersArePrinted() {
        let known = Set(Self.settable.map(\.name))
        #expect(MigrationParametersFormatter.lines.allSatisfy { known.contains($0.name) },
                "\(MigrationParametersFormatter.lines.map(\.name).filter { !known.contains($0) })")
    }
}
