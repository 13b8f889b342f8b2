import ArgumentParser
import QAPI

/// `qapi-gen check`: loads the schema and tells whether the generated files are current.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load the schema files (errors name file and entry) and check the generated files are current.")

    @OptionGroup var options: SchemaOptions

    @Option(help: "The embedded-schema Swift file to compare.")
    var embedded = "Sources/QAPI/EmbeddedSchema.swift"

    @Option(help: "The QMP reference to compare.")
    var docs = "docs/qmp-reference.md"

    func run() throws {
        let files = try options.files()
        let schema = try QAPISchema(files: files)
        print("\(files.count) files: \(schema.commandNames.count) commands, \(schema.eventNames.count) events")
        var stale: [String] = []
        if !GeneratedFile.isCurrent(embedded, try EmbeddedSchemaRenderer.swiftSource(files: files)) { stale.append(embedded) }
        if !GeneratedFile.isCurrent(docs, schema.markdownReference()) { stale.append(docs) }
        guard stale.isEmpty else {
            print("stale: \(stale.joined(separator: ", ")); run scripts/regen-qapi.sh")
            throw ExitCode.failure
        }
    }
}
