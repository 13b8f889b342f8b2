import Foundation

/// Writing and comparing generated files.
enum GeneratedFile {
    /// Writes `text` to `path` unless the file already holds exactly that (keeps its timestamp for builds).
    /// Returns whether the file changed.
    @discardableResult
    static func write(_ text: String, to path: String) throws -> Bool {
        if isCurrent(path, text) { return false }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
        return true
    }

    /// The embedded-schema files (`EmbeddedSchema*.swift`) in `directory` that are not among `generated` (file
    /// names): left over from schema files that are gone, sorted by name.
    static func leftoverEmbeddedFiles(in directory: String, generated: [String]) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("EmbeddedSchema") && $0.hasSuffix(".swift") && !generated.contains($0) }.sorted()
    }

    /// Whether the file at `path` holds exactly `text`.
    static func isCurrent(_ path: String, _ text: String) -> Bool {
        FileManager.default.contents(atPath: path) == Data(text.utf8)
    }
}
