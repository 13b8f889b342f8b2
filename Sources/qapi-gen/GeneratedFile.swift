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

    /// Whether the file at `path` holds exactly `text`.
    static func isCurrent(_ path: String, _ text: String) -> Bool {
        FileManager.default.contents(atPath: path) == Data(text.utf8)
    }
}
