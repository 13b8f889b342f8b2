/// A fast non-cryptographic 64-bit digest of a memory range, identical for identical content.
///
/// The range is cut into fixed 16 MiB chunks; each chunk is hashed with four independent 64-bit lanes
/// (multiply-rotate rounds over whole words) and the chunk hashes are folded in order, so the result does not
/// depend on how many threads computed the chunks.
enum MemoryDigest {
    /// Chunk size in bytes.
    static let chunkSize = 16 << 20

    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9

    /// Hashes `length` bytes (a multiple of 32) at `base`.
    static func hashChunk(_ base: UnsafeRawPointer, length: Int, index: Int) -> UInt64 {
        let words = base.assumingMemoryBound(to: UInt64.self)
        var lane0 = prime1 &+ UInt64(index)
        var lane1 = prime2 ^ UInt64(index)
        var lane2 = prime3
        var lane3 = prime1 &* prime2
        var position = 0
        let count = length / 8
        while position + 4 <= count {
            lane0 = round(lane0, words[position])
            lane1 = round(lane1, words[position + 1])
            lane2 = round(lane2, words[position + 2])
            lane3 = round(lane3, words[position + 3])
            position += 4
        }
        var result = rotate(lane0, 1) &+ rotate(lane1, 7) &+ rotate(lane2, 12) &+ rotate(lane3, 18)
        result = avalanche(result ^ UInt64(length))
        return result
    }

    /// Folds the ordered chunk hashes and the total size into the final digest.
    static func combine(_ chunkHashes: [UInt64], totalSize: Int) -> UInt64 {
        var result = prime3 ^ UInt64(totalSize)
        for hash in chunkHashes {
            result = round(result, hash)
        }
        return avalanche(result)
    }

    /// Formats a digest as 16 lowercase hex digits.
    static func format(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    @inline(__always)
    private static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* prime2
        h ^= h >> 29
        h = h &* prime3
        h ^= h >> 32
        return h
    }
}
