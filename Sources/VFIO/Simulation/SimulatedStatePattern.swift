/// The deterministic content of a simulated device's state and the record format of its
/// data stream. See docs/vfio-device-model.md, "Simulated device".
///
/// The state is split into pages of `pageSize` bytes (the last may be shorter). The bytes of
/// page `p` at generation `g` are an arithmetic word sequence derived from `(seed, p, g)` (see
/// `fill`), so the whole state is a pure function of the device seed and the generation vector.
///
/// The data stream is a sequence of records: a 24-byte big-endian header
/// {magic `VSD1`, page, generation, length, seed} followed by `length` page bytes.
enum SimulatedStatePattern {
    /// Bytes per simulated page.
    static let pageSize = 4096
    /// Bytes of a record header.
    static let headerSize = 24
    /// `"VSD1"`, the record magic.
    static let recordMagic: UInt32 = 0x5653_4431
    /// The generation of a destination page nothing was written to (its bytes are zero).
    static let unwrittenGeneration = UInt32.max

    /// The seed a device derives from its id.
    static func seed(forDeviceID id: String) -> UInt64 {
        var hasher = StateHasher(seed: 0x5646_494F_5345_4544)
        hasher.combine(string: id)
        return hasher.finalize()
    }

    /// The first word and the (odd) step of page `page` at `generation`.
    private static func progression(seed: UInt64, page: UInt32, generation: UInt32) -> (start: UInt64, step: UInt64) {
        let start = StateHasher.fmix(seed ^ (UInt64(page) << 32 | UInt64(generation)) &* 0x9E37_79B9_7F4A_7C15)
        return (start, StateHasher.fmix(start ^ 0xD6E8_FEB8_6659_FD93) | 1)
    }

    /// Fills `buffer` with the first `buffer.count` bytes of page `page` at `generation`: little-endian words
    /// w(i) = start + (i + 1) × step, with start and an odd step derived from (seed, page, generation), so
    /// every word of a page differs and pages differ from each other. One add per word: the simulation must
    /// produce and check device data far faster than the 1 GiB/s devices it models.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer, seed: UInt64, page: UInt32, generation: UInt32) {
        guard let base = buffer.baseAddress else { return }
        let (start, step) = progression(seed: seed, page: page, generation: generation)
        let words = buffer.count / 8
        var word = start
        for index in 0..<words {
            word &+= step
            base.storeBytes(of: word.littleEndian, toByteOffset: index * 8, as: UInt64.self)
        }
        let tail = buffer.count - words * 8
        guard tail > 0 else { return }
        word &+= step
        withUnsafeBytes(of: word.littleEndian) { bytes in
            (base + words * 8).copyMemory(from: bytes.baseAddress!, byteCount: tail)
        }
    }

    /// Whether `bytes` equal page `page` at `generation` (from the page's first byte), in one pass.
    static func matches(_ bytes: UnsafeRawBufferPointer, seed: UInt64, page: UInt32, generation: UInt32) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let (start, step) = progression(seed: seed, page: page, generation: generation)
        let words = bytes.count / 8
        var word = start
        var difference: UInt64 = 0
        for index in 0..<words {
            word &+= step
            difference |= UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) ^ word
        }
        guard difference == 0 else { return false }
        let tail = bytes.count - words * 8
        guard tail > 0 else { return true }
        word &+= step
        return withUnsafeBytes(of: word.littleEndian) { expected in
            (0..<tail).allSatisfy { bytes[words * 8 + $0] == expected[$0] }
        }
    }

    /// Writes a record header into the first `headerSize` bytes of `buffer`.
    static func writeHeader(
        into buffer: UnsafeMutableRawBufferPointer, page: UInt32, generation: UInt32, length: UInt32, seed: UInt64
    ) {
        buffer.storeBytes(of: recordMagic.bigEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: page.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: generation.bigEndian, toByteOffset: 8, as: UInt32.self)
        buffer.storeBytes(of: length.bigEndian, toByteOffset: 12, as: UInt32.self)
        buffer.storeBytes(of: seed.bigEndian, toByteOffset: 16, as: UInt64.self)
    }

    /// A parsed record header.
    struct Header: Equatable {
        var magic: UInt32
        var page: UInt32
        var generation: UInt32
        var length: UInt32
        var seed: UInt64
    }

    /// Parses the 24 header bytes at the start of `bytes`.
    static func readHeader(_ bytes: UnsafeRawBufferPointer) -> Header {
        Header(
            magic: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)),
            page: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
            generation: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
            length: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)),
            seed: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
    }
}
