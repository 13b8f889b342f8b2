import ArgumentParser

/// `qapi-gen`: checks the schema files and writes what is generated from them.
struct QAPIGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qapi-gen",
        abstract: "Check schema/*.json and generate the embedded schema, the Swift types, the QMP reference and JSON Schemas.",
        discussion: "Run from the repository root, or pass --schema-dir and --output. scripts/regen-qapi.sh runs them all.",
        subcommands: [CheckCommand.self, EmbedCommand.self, SwiftCommand.self, DocsCommand.self, JSONSchemaCommand.self])
}
