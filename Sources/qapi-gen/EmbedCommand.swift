import ArgumentParser
import QAPI

/// `qapi-gen embed`: writes the Swift file that compiles the schema into the binaries.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Write Sources/QAPI/EmbeddedSchema.swift from the schema files.")

    @OptionGroup var options: SchemaOptions

    @Option(help: "The Swift file to write.")
    var output = "Sources/QAPI/EmbeddedSchema.swift"

    func run() throws {
        let files = try options.files()
        _ = try QAPISchema(files: files)
        let changed = try GeneratedFile.write(try EmbeddedSchemaRenderer.swiftSource(files: files), to: output)
        print(changed ? "wrote \(output)" : "\(output) is up to date")
    }
}
