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

    @Test func embeddedSwiftSourceIsWhatQapiGenWrites() throws {
        let expected = try EmbeddedSchemaRenderer.swiftSource(files: TestSupport.diskFiles())
        let actual = try String(contentsOfFile: "\(TestSupport.repositoryRoot)/Sources/QAPI/EmbeddedSchema.swift", encoding: .utf8)
        #expect(actual == expected, "Sources/QAPI/EmbeddedSchema.swift is stale or edited; run scripts/regen-qapi.sh")
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
        let source = try EmbeddedSchemaRenderer.swiftSource(files: [(name: "t.json", text: tricky)])
        #expect(source.contains("text: ###\"\"\"\n"), "the delimiter must outgrow the longest run of # after a quote")
        #expect(source.contains("\n" + tricky + "\n\"\"\"###"))
    }

    @Test func embeddingRejectsCarriageReturns() {
        #expect(throws: QAPISchemaError(file: "crlf.json", entry: nil, message: "contains a carriage return (use LF line ends)")) {
            try EmbeddedSchemaRenderer.swiftSource(files: [(name: "crlf.json", text: "[]\r\n")])
        }
    }
}
