import Glibc

/// Files of pseudo-random bytes, for guest RAM whose every page differs (nothing compresses, no zero pages unless
/// asked for), and the byte-for-byte comparison of two such files.
package enum RandomFile {
    /// Writes `bytes` bytes from a ``SeededGenerator`` seeded with `seed` to `path` (replacing it); with `zeroPages`
    /// every fourth 4 KiB page is zero.
    package static func write(_ path: String, bytes: UInt64, seed: UInt64 = 0x5EED, zeroPages: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestingError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var generator = SeededGenerator(state: seed)
        var chunk = [UInt64](repeating: 0, count: 1 << 19)  // 4 MiB, a whole number of pages
        var left = bytes
        while left > 0 {
            for index in chunk.indices {
                // 512 words per page, so page numbers repeat per chunk.
                chunk[index] = zeroPages && (index / 512) % 4 == 3 ? 0 : generator.next()
            }
            let count = Int(min(left, UInt64(chunk.count * 8)))
            let written = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, count) }
            guard written == count else { throw TestingError("cannot write \(path): errno \(errno)") }
            left -= UInt64(count)
        }
    }

    /// Whether the files at `a` and `b` hold the same bytes.
    package static func equal(_ a: String, _ b: String) throws -> Bool {
        let first = open(a, O_RDONLY | O_CLOEXEC), second = open(b, O_RDONLY | O_CLOEXEC)
        defer { if first >= 0 { close(first) }; if second >= 0 { close(second) } }
        guard first >= 0, second >= 0 else { throw TestingError("cannot open \(first < 0 ? a : b): errno \(errno)") }
        var left = [UInt8](repeating: 0, count: 1 << 22), right = left
        while true {
            let count = read(first, &left, left.count)
            let other = read(second, &right, right.count)
            guard count >= 0, other >= 0 else { throw TestingError("read: errno \(errno)") }
            if count != other { return false }
            if count == 0 { return true }
            if memcmp(left, right, count) != 0 { return false }
        }
    }
}
