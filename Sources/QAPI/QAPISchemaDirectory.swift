import Glibc

/// Reads the schema files of a directory (`schema/`), for `qapi-gen` and the tests.
///
/// Plain POSIX calls, so the QAPI module does not pull Foundation into every binary.
package enum QAPISchemaDirectory {
    /// Every `*.json` file in `path`, sorted by name (the load order), with its exact text.
    package static func read(_ path: String) throws(QAPISchemaError) -> [(name: String, text: String)] {
        var files: [(name: String, text: String)] = []
        for name in try jsonFileNames(in: path).sorted() {
            files.append((name: name, text: try readText(atPath: "\(path)/\(name)", name: name)))
        }
        return files
    }

    private static func jsonFileNames(in path: String) throws(QAPISchemaError) -> [String] {
        guard let directory = opendir(path) else { throw failure(path, "cannot open the directory") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".json") && !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }

    private static func readText(atPath path: String, name: String) throws(QAPISchemaError) -> String {
        guard let file = fopen(path, "rb") else { throw failure(name, "cannot open the file") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[0..<count]
            if count < chunk.count { break }
        }
        if ferror(file) != 0 { throw failure(name, "cannot read the file") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw QAPISchemaError(file: name, entry: nil, message: "is not valid UTF-8")
        }
        return text
    }

    private static func failure(_ file: String, _ message: String) -> QAPISchemaError {
        QAPISchemaError(file: file, entry: nil, message: "\(message): \(String(cString: strerror(errno)))")
    }
}
