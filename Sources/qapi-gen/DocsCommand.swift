import ArgumentParser
import QAPI

/// `qapi-gen docs`: writes the QMP reference generated from the schema.
struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs", abstract: "Write docs/qmp-reference.md from the schema files.")

    @OptionGroup var options: SchemaOptions

    @Option(help: "The Markdown file to write.")
    var output = "docs/qmp-reference.md"

    func run() throws {
        let changed = try GeneratedFile.write(try options.schema().markdownReference(), to: output)
        print(changed ? "wrote \(output)" : "\(output) is up to date")
    }
}
