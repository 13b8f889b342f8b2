import QAPI
import Testing

/// `qapi-gen swift`: Swift names by rule, defaults from the schema, and the plan's mistakes refused.
@Suite struct SwiftGenerationTests {
    private static let schemaText = #"""
        [
          { "enum": "Knob", "data": ["max-cpu-step", "plain"], "since": "1.0", "doc": "A knob." },
          { "struct": "Settings", "data": {
              "*max-cpu-throttle": { "type": "uint8", "default": 99, "doc": "See SetSettings." },
              "*knob": { "type": "Knob", "default": "plain", "doc": "See SetSettings." },
              "*tls-creds": { "type": "str", "default": "", "doc": "See SetSettings." } },
            "since": "1.0", "doc": "Settings." },
          { "alternate": "StrOrNull", "data": { "s": "str", "n": "null" }, "since": "1.0", "doc": "A string or null." },
          { "struct": "SetSettings", "data": {
              "*max-cpu-throttle": { "type": "uint8", "doc": "Most throttling." },
              "*knob": { "type": "Knob", "doc": "The knob." },
              "*tls-creds": { "type": "StrOrNull", "doc": "Credentials." } },
            "since": "1.0", "doc": "Changes settings." }
        ]
        """#

    private static func plan(_ entries: [SwiftGenerationPlan.Entry]) -> SwiftGenerationPlan {
        SwiftGenerationPlan(
            typesPath: "Types.swift", jsonPath: "JSON.swift", typesModule: "Model", access: "package",
            jsonImports: [], entries: entries)
    }

    private static let entries: [SwiftGenerationPlan.Entry] = [
        .init("Knob", .enumeration), .init("Settings", .values),
        .init("SetSettings", swiftName: "SettingsUpdate", .update(appliesTo: "Settings")),
    ]

    private func render(_ text: String, _ entries: [SwiftGenerationPlan.Entry] = entries) throws -> [String] {
        let schema = try QAPISchema(files: [(name: "t.json", text: text)])
        return try schema.swiftSources(plan: Self.plan(entries)).map(\.text)
    }

    @Test func namesDefaultsAndMappingComeFromTheSchema() throws {
        let files = try render(Self.schemaText)
        let types = files[0]
        let mapping = files[1]
        #expect(types.contains(#"case maxCPUStep = "max-cpu-step""#))
        #expect(types.contains("    case plain\n"))
        #expect(types.contains("package var maxCPUThrottle: UInt8 = 99"))
        #expect(types.contains("package var knob: Knob = .plain"))
        #expect(types.contains(#"package var tlsCreds: String = """#))
        #expect(types.contains("package var tlsCreds: String?"))
        #expect(types.contains("if let maxCPUThrottle { target.maxCPUThrottle = maxCPUThrottle }"))
        #expect(mapping.contains(#"case "max-cpu-throttle": maxCPUThrottle = try QAPIDecoding.unsigned(value, name, "uint8_t")"#))
        #expect(mapping.contains(#"case "tls-creds": tlsCreds = try QAPIDecoding.stringOrNull(value, name)"#))
        #expect(mapping.contains(#""knob": knob.qapiJSON,"#))
        #expect(!types.contains("import JSON"), "the plain types must not need JSON")
    }

    @Test func aValuesMemberNeedsADefaultOfItsType() throws {
        for replacement in ["", #""default": 300, "#, #""default": "99", "#] {
            let text = Self.schemaText.replacing(#""default": 99, "#, with: replacement)
            #expect(throws: QAPISchemaError.self, "default \(replacement)") { try render(text) }
        }
    }

    @Test func anUpdateMustMatchItsValuesStruct() throws {
        let text = Self.schemaText.replacingOccurrences(
            of: #""*knob": { "type": "Knob", "doc": "The knob." }"#, with: #""*knob": { "type": "str", "doc": "The knob." }"#)
        #expect(throws: QAPISchemaError.self) { try render(text) }
    }

    @Test func theReferencePrintsDefaults() throws {
        let schema = try QAPISchema(files: [(name: "t.json", text: Self.schemaText)])
        #expect(schema.markdownReference().contains("See SetSettings. Default: `99`."))
    }
}
