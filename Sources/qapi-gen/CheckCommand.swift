import ArgumentParser
import QAPI

/// `qapi-gen check`: loads the schema and tells whether the generated files are current.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load the schema files (errors name file and entry) and check the generated files are current.")

    @OptionGroup var options: SchemaOptions

    @Option(help: "The directory of the embedded-schema Swift files to compare.")
    var embedded = EmbeddedSchemaRenderer.directory

    @Option(help: "The QMP reference to compare.")
    var docs = "docs/qmp-reference.md"

    func run() throws {
        let files = try options.files()
        let schema = try QAPISchema(files: files)
        print("\(files.count) files: \(schema.commandNames.count) commands, \(schema.eventNames.count) events")
        var stale: [String] = []
        let sources = try EmbeddedSchemaRenderer.swiftSources(files: files)
        for source in sources where !GeneratedFile.isCurrent(embedded + "/" + source.fileName, source.text) {
            stale.append(embedded + "/" + source.fileName)
        }
        for extra in GeneratedFile.leftoverEmbeddedFiles(in: embedded, generated: sources.map(\.fileName)) {
            stale.append(embedded + "/" + extra + " (no longer generated)")
        }
        for plan in SwiftGenerationPlan.all {
            for source in try schema.swiftSources(plan: plan) where !GeneratedFile.isCurrent(source.path, source.text) {
                stale.append(source.path)
            }
        }
        if !GeneratedFile.isCurrent(docs, schema.markdownReference()) { stale.append(docs) }
        guard stale.isEmpty else {
            print("stale: \(stale.joined(separator: ", ")); run scripts/regen-qapi.sh")
            throw ExitCode.failure
        }
    }
}
