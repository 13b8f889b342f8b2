/// A small, fast, non-cryptographic streaming 64-bit hash used for state digests and
/// device seeds. Deterministic across processes and platforms (words are read little-endian).
struct StateHasher {
    private var accumulator: UInt64
    private var length: UInt64 = 0

    private static let prime1: UInt64 = 0x87C3_7B91_1142_53D5
    private static let prime2: UInt64 = 0x4CF5_AD43_2745_937F

    /// Creates a hasher; different seeds give unrelated hash families.
    init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        accumulator = seed
    }

    /// Mixes one 64-bit word.
    mutating func combine(_ word: UInt64) {
        let mixed = (accumulator ^ (word &* Self.prime1))
        accumulator = ((mixed << 31) | (mixed >> 33)) &* Self.prime2 &+ 0x52DC_E729
        length &+= 8
    }

    /// Mixes raw bytes, eight at a time, the tail zero-padded.
    mutating func combine(bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + 8 <= bytes.count {
            combine(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        guard offset < bytes.count else { return }
        var tail: UInt64 = 0
        for index in offset..<bytes.count {
            tail |= UInt64(bytes[index]) << (UInt64(index - offset) * 8)
        }
        combine(tail)
        length &-= 8
        length &+= UInt64(bytes.count - offset)
    }

    /// Mixes the UTF-8 bytes of a string.
    mutating func combine(string: String) {
        var copy = string
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(UInt64(string.utf8.count))
    }

    /// The final 64-bit value (murmur3's fmix64 over the accumulator and length).
    func finalize() -> UInt64 {
        Self.fmix(accumulator ^ length)
    }

    /// The murmur3 64-bit finaliser: an invertible avalanche step.
    static func fmix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }
}
