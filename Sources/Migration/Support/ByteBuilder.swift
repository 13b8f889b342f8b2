/// Appends big-endian integers and byte strings to a byte array (small records: hello, headers, configuration).
struct ByteBuilder {
    /// The bytes built so far.
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func put8(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func put16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func put32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    mutating func put64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    mutating func putBytes<S: Sequence>(_ value: S) where S.Element == UInt8 {
        bytes.append(contentsOf: value)
    }

    /// Appends `value` NUL-padded (or truncated) to exactly `width` bytes.
    mutating func putFixedString(_ value: String, width: Int) {
        let utf8 = Array(value.utf8.prefix(width))
        bytes.append(contentsOf: utf8)
        bytes.append(contentsOf: repeatElement(0, count: width - utf8.count))
    }

    mutating func putZeros(_ count: Int) {
        bytes.append(contentsOf: repeatElement(0, count: count))
    }
}
