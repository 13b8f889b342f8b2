import Glibc

/// Files of pseudo-random bytes, for guest RAM whose every page differs (nothing compresses, no zero pages).
package enum RandomFile {
    /// Writes `bytes` bytes from a SplitMix64 sequence seeded with `seed` to `path` (replacing it).
    package static func write(_ path: String, bytes: UInt64, seed: UInt64 = 0x5EED) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestingError("open \(path): errno \(errno)") }
        defer { close(fd) }
        var state = seed
        var chunk = [UInt64](repeating: 0, count: 1 << 19)  // 4 MiB
        var left = bytes
        while left > 0 {
            for index in chunk.indices {
                state &+= 0x9E37_79B9_7F4A_7C15
                var mixed = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
                mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
                chunk[index] = mixed ^ (mixed >> 31)
            }
            let count = Int(min(left, UInt64(chunk.count * 8)))
            let written = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, count) }
            guard written == count else { throw TestingError("write \(path): errno \(errno)") }
            left -= UInt64(count)
        }
    }

    /// Whether the files at `a` and `b` hold the same bytes.
    package static func equal(_ a: String, _ b: String) throws -> Bool {
        let first = open(a, O_RDONLY | O_CLOEXEC), second = open(b, O_RDONLY | O_CLOEXEC)
        defer { if first >= 0 { close(first) }; if second >= 0 { close(second) } }
        guard first >= 0, second >= 0 else { throw TestingError("open \(first < 0 ? a : b): errno \(errno)") }
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
