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

/// Reads big-endian integers from a byte array; reading past the end throws.
struct ByteParser {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - position }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw MigrationError("Truncated record: needed \(count) bytes, \(remaining) left")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func get8() throws -> UInt8 {
        try take(1).first!
    }

    mutating func get16() throws -> UInt16 {
        try take(2).reduce(0) { $0 << 8 | UInt16($1) }
    }

    mutating func get32() throws -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func get64() throws -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func getBytes(_ count: Int) throws -> [UInt8] {
        Array(try take(count))
    }
}

extension UnsafeRawPointer {
    /// Loads a big-endian UInt32 at `offset` (unaligned).
    @inline(__always)
    func loadBE32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Loads a big-endian UInt64 at `offset` (unaligned).
    @inline(__always)
    func loadBE64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension UnsafeMutableRawPointer {
    /// Stores a big-endian UInt32 at `offset` (unaligned).
    @inline(__always)
    func storeBE32(_ value: UInt32, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// Stores a big-endian UInt64 at `offset` (unaligned).
    @inline(__always)
    func storeBE64(_ value: UInt64, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
    }
}
