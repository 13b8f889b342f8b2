import Glibc

/// Finds the binaries built next to `vmig`.
enum ExecutableLocator {
    /// The directory of the running executable.
    static var ownDirectory: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard count > 0 else { return "." }
        let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// The path of `name` next to `vmig`.
    static func sibling(_ name: String) -> String { ownDirectory + "/" + name }

    /// Whether `path` is an executable file.
    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}
