/// The deterministic content of a simulated device's state and the record format of its
/// data stream. See docs/vfio-device-model.md, "Simulated device".
///
/// The state is split into pages of `pageSize` bytes (the last may be shorter). The bytes of
/// page `p` at generation `g` are a splitmix64 stream seeded from `(seed, p, g)`, so the whole
/// state is a pure function of the device seed and the generation vector.
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

    /// Fills `buffer` with the first `buffer.count` bytes of page `page` at `generation`.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer, seed: UInt64, page: UInt32, generation: UInt32) {
        var state = StateHasher.fmix(seed ^ (UInt64(page) << 32 | UInt64(generation)) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        while offset < buffer.count {
            state &+= 0x9E37_79B9_7F4A_7C15
            let word = splitmix(state).littleEndian
            let count = min(8, buffer.count - offset)
            withUnsafeBytes(of: word) { wordBytes in
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: wordBytes.baseAddress!, byteCount: count)
            }
            offset += count
        }
    }

    /// Whether `bytes` equal page `page` at `generation` (from the page's first byte).
    static func matches(_ bytes: UnsafeRawBufferPointer, seed: UInt64, page: UInt32, generation: UInt32) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: max(bytes.count, 1), alignment: 8) { expected in
            let slice = UnsafeMutableRawBufferPointer(rebasing: expected[0..<bytes.count])
            fill(slice, seed: seed, page: page, generation: generation)
            return slice.elementsEqual(bytes)
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

    private static func splitmix(_ state: UInt64) -> UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
