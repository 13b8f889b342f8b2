import ArgumentParser
import JSON
import QAPI

/// `qapi-gen json-schema`: writes one JSON Schema per command's arguments and per event's data.
struct JSONSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json-schema",
        abstract: "Write JSON Schemas (draft 2020-12): OUTPUT/commands/NAME.json and OUTPUT/events/NAME.json.")

    @OptionGroup var options: SchemaOptions

    @Option(help: "The directory to write into (created if needed).")
    var output: String

    func run() throws {
        let schemas = try options.schema().jsonSchemas()
        var count = 0
        for kind in ["commands", "events"] {
            for (name, schema) in schemas[kind]?.objectValue ?? [:] {
                try GeneratedFile.write(JSONWriter.string(schema, style: .spaced) + "\n", to: "\(output)/\(kind)/\(name).json")
                count += 1
            }
        }
        print("wrote \(count) schemas under \(output)")
    }
}
