import ArgumentParser
import QAPI

/// `qapi-gen swift`: writes the Swift types and JSON mappings of ``SwiftGenerationPlan/all``.
struct SwiftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift",
        abstract: "Write the generated Swift types (e.g. MigrationParameters) and their JSON mapping from the schema.")

    @OptionGroup var options: SchemaOptions

    func run() throws {
        let schema = try options.schema()
        for plan in SwiftGenerationPlan.all {
            for source in try schema.swiftSources(plan: plan) {
                print(try GeneratedFile.write(source.text, to: source.path) ? "wrote \(source.path)" : "\(source.path) is up to date")
            }
        }
    }
}
