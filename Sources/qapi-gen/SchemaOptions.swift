import ArgumentParser
import QAPI

/// The `--schema-dir` option every subcommand takes.
struct SchemaOptions: ParsableArguments {
    @Option(name: .customLong("schema-dir"), help: "The directory of the schema files.")
    var schemaDirectory = "schema"

    /// The schema files, sorted by name.
    func files() throws -> [(name: String, text: String)] {
        try QAPISchemaDirectory.read(schemaDirectory)
    }

    /// The schema files, parsed and resolved; errors name the file and entry.
    func schema() throws -> QAPISchema {
        try QAPISchema(files: files())
    }
}
