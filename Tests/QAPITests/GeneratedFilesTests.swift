import Foundation
import QAPI
import Testing

/// The files generated from `schema/` must match it; `scripts/regen-qapi.sh` brings them up to date.
@Suite struct GeneratedFilesTests {
    @Test func schemaDirectoryLoads() throws {
        let files = try TestSupport.diskFiles()
        #expect(files.map(\.name) == ["control.json", "introspect.json", "machine.json", "migration.json", "vfio.json"])
        if let error = TestSupport.loadError(files) {
            Issue.record("schema/ does not load: \(error)")
        }
    }

    @Test func embeddedCopyEqualsSchemaDirectory() throws {
        let disk = try TestSupport.diskFiles()
        let embedded = EmbeddedSchema.files
        #expect(embedded.map(\.name) == disk.map(\.name), "run scripts/regen-qapi.sh")
        for (embeddedFile, diskFile) in zip(embedded, disk) {
            #expect(embeddedFile.text == diskFile.text, "\(diskFile.name) differs from its embedded copy; run scripts/regen-qapi.sh")
        }
    }

    @Test func embeddedSwiftSourcesAreWhatQapiGenWrites() throws {
        let expected = try EmbeddedSchemaRenderer.swiftSources(files: TestSupport.diskFiles())
        let directory = "\(TestSupport.repositoryRoot)/\(EmbeddedSchemaRenderer.directory)"
        let present = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".swift") }.sorted()
        #expect(present == expected.map(\.fileName).sorted(), "run scripts/regen-qapi.sh")
        for source in expected {
            let actual = try String(contentsOfFile: "\(directory)/\(source.fileName)", encoding: .utf8)
            #expect(actual == source.text, "\(source.fileName) is stale or edited; run scripts/regen-qapi.sh")
        }
        #expect(expected.allSatisfy { $0.text.split(separator: "\n", omittingEmptySubsequences: false).count < 700 })
    }

    @Test func generatedSwiftTypesAreWhatQapiGenWrites() throws {
        let schema = try #require(TestSupport.diskSchema)
        for plan in SwiftGenerationPlan.all {
            for source in try schema.swiftSources(plan: plan) {
                let actual = try String(contentsOfFile: "\(TestSupport.repositoryRoot)/\(source.path)", encoding: .utf8)
                #expect(actual == source.text, "\(source.path) is stale or edited; run scripts/regen-qapi.sh")
            }
        }
    }

    @Test func embeddedSchemaLoads() {
        #expect(QAPISchema.embedded.commandNames == TestSupport.diskSchema?.commandNames)
        #expect(QAPISchema.embedded.eventNames == TestSupport.diskSchema?.eventNames)
    }

    @Test func referenceDocIsCurrent() throws {
        let schema = try #require(TestSupport.diskSchema)
        let actual = try String(contentsOfFile: "\(TestSupport.repositoryRoot)/docs/qmp-reference.md", encoding: .utf8)
        #expect(actual == schema.markdownReference(), "docs/qmp-reference.md is stale; run scripts/regen-qapi.sh")
    }

    @Test func embeddingKeepsTextsWithQuotesAndHashesExact() throws {
        let tricky = "[\n  {\"section\": \"a \\\"#quoted\\\"## \\\\# text\"}\n]\n\n"
        let sources = try EmbeddedSchemaRenderer.swiftSources(files: [(name: "t.json", text: tricky)])
        #expect(sources.map(\.fileName) == ["EmbeddedSchema.swift", "EmbeddedSchema+T.swift"])
        #expect(sources[0].text.contains("(name: \"t.json\", text: tJSON),"))
        let source = sources[1].text
        #expect(source.contains("static let tJSON = ###\"\"\"\n"), "the delimiter must outgrow the longest run of # after a quote")
        #expect(source.contains("\n" + tricky + "\n\"\"\"###"))
    }

    @Test func embeddingNamesFilesAfterTheSchemaFile() throws {
        let sources = try EmbeddedSchemaRenderer.swiftSources(files: [(name: "dirty-page_log.json", text: "[]\n")])
        #expect(sources.map(\.fileName) == ["EmbeddedSchema.swift", "EmbeddedSchema+DirtyPageLog.swift"])
        #expect(sources[1].text.contains("static let dirtyPageLogJSON = #\"\"\"\n[]\n\n\"\"\"#"))
        #expect(throws: QAPISchemaError(file: "9.json", entry: nil, message: "the file name cannot be embedded")) {
            try EmbeddedSchemaRenderer.swiftSources(files: [(name: "9.json", text: "[]\n")])
        }
    }

    @Test func embeddingRejectsCarriageReturns() {
        #expect(throws: QAPISchemaError(file: "crlf.json", entry: nil, message: "contains a carriage return (use LF line ends)")) {
            try EmbeddedSchemaRenderer.swiftSources(files: [(name: "crlf.json", text: "[]\r\n")])
        }
    }
}
