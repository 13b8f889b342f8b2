/// The short strings a decoder made recently, so that keys and values repeating from message to message
/// (`execute`, `arguments`, `id`, `return`, command names) are not rebuilt from bytes every time.
///
/// Direct-mapped: a string of at most 15 UTF-8 bytes (a Swift small string, no heap storage) is identified by
/// its length and two words read from its bytes, which also pick its slot; a hit is three compares, a miss
/// builds the string and takes the slot.
struct ShortStringCache: Sendable {
    private struct Entry: Sendable {
        var low: UInt64
        var high: UInt64
        var count: Int
        var string: String
    }

    /// Slot count is `1 << slotBits`.
    private static let slotBits = 6
    private static let maxBytes = 15
    private var entries: ContiguousArray<Entry> = []

    /// A cache with no slots yet (they are allocated on first use).
    init() {}

    /// The string with UTF-8 encoding `bytes`, which must be valid UTF-8 (jansson checked it).
    mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count <= Self.maxBytes, let base = bytes.baseAddress else {
            return String(decoding: bytes, as: UTF8.self)
        }
        let count = bytes.count
        let (low, high) = Self.words(base, count)
        let mixed = (low ^ (high &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(count)) &* 0xBF58_476D_1CE4_E5B9
        let slot = Int(truncatingIfNeeded: mixed >> (64 - Self.slotBits))
        if entries.isEmpty {
            entries = ContiguousArray(repeating: Entry(low: 0, high: 0, count: -1, string: ""), count: 1 << Self.slotBits)
        }
        let hit = entries.withUnsafeBufferPointer { slots -> String? in
            let entry = slots[slot]
            return entry.low == low && entry.high == high && entry.count == count ? entry.string : nil
        }
        if let hit { return hit }
        let string = String(decoding: bytes, as: UTF8.self)
        entries[slot] = Entry(low: low, high: high, count: count, string: string)
        return string
    }

    /// Two words that, with the length, determine `count` (at most 15) bytes: overlapping loads from both ends.
    @inline(__always)
    private static func words(_ base: UnsafeRawPointer, _ count: Int) -> (UInt64, UInt64) {
        if count >= 8 {
            return (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        if count >= 4 {
            let first = base.loadUnaligned(as: UInt32.self)
            let last = base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            return (UInt64(first), UInt64(last))
        }
        if count == 0 { return (0, 0) }
        let first = base.load(fromByteOffset: 0, as: UInt8.self)
        let middle = base.load(fromByteOffset: count / 2, as: UInt8.self)
        let last = base.load(fromByteOffset: count - 1, as: UInt8.self)
        return (UInt64(first) | UInt64(middle) << 8, UInt64(last))
    }
}
