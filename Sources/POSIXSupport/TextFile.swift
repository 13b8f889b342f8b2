import Glibc

/// Reads whole files with plain C stdio (no Foundation).
package enum TextFile {
    /// The file at `path` as UTF-8 text (invalid bytes replaced), or nil when it cannot be opened.
    package static func read(_ path: String) -> String? {
        bytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of the file at `path`, or nil when it cannot be opened.
    package static func bytes(_ path: String) -> [UInt8]? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }
}
