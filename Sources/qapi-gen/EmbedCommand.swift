import ArgumentParser
import Foundation
import QAPI

/// `qapi-gen embed`: writes the Swift files that compile the schema into the binaries.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Write Sources/QAPI/Embedded/*.swift from the schema files.")

    @OptionGroup var options: SchemaOptions

    @Option(help: "The directory of the generated Swift files.")
    var outputDirectory = EmbeddedSchemaRenderer.directory

    func run() throws {
        let files = try options.files()
        _ = try QAPISchema(files: files)
        let sources = try EmbeddedSchemaRenderer.swiftSources(files: files)
        for source in sources {
            let path = outputDirectory + "/" + source.fileName
            print(try GeneratedFile.write(source.text, to: path) ? "wrote \(path)" : "\(path) is up to date")
        }
        for stale in GeneratedFile.leftoverEmbeddedFiles(in: outputDirectory, generated: sources.map(\.fileName)) {
            try FileManager.default.removeItem(atPath: outputDirectory + "/" + stale)
            print("removed \(outputDirectory)/\(stale)")
        }
    }
}
