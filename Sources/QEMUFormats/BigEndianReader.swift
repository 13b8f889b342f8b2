/// A source of big-endian data (QEMU's stream byte order): the main migration stream, a device's section payload or
/// bytes in memory (`ByteArrayReader`). Conformers supply `readExactly`; the integer readers come with it.
package protocol BigEndianReader {
    /// Fills `buffer` completely, or throws (at the end of the data, for instance).
    mutating func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws
}

extension BigEndianReader {
    /// Reads a byte.
    package mutating func read8() throws -> UInt8 {
        var value: UInt8 = 0
        try withUnsafeMutableBytes(of: &value) { try readExactly(into: $0) }
        return value
    }

    /// Reads a big-endian 16-bit value.
    package mutating func readBE16() throws -> UInt16 {
        var value: UInt16 = 0
        try withUnsafeMutableBytes(of: &value) { try readExactly(into: $0) }
        return UInt16(bigEndian: value)
    }

    /// Reads a big-endian 32-bit value.
    package mutating func readBE32() throws -> UInt32 {
        var value: UInt32 = 0
        try withUnsafeMutableBytes(of: &value) { try readExactly(into: $0) }
        return UInt32(bigEndian: value)
    }

    /// Reads a big-endian 64-bit value.
    package mutating func readBE64() throws -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { try readExactly(into: $0) }
        return UInt64(bigEndian: value)
    }

    /// Reads `count` bytes; the caller has bounded `count` (see `readBytes(count:cap:tooLarge:)` otherwise).
    package mutating func readBytes(count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try readExactly(into: $0) }
        return bytes
    }

    /// Reads `count` bytes after checking `count <= cap` (before anything is allocated); `tooLarge` is the error
    /// for a larger count.
    package mutating func readBytes(count: UInt64, cap: UInt64, tooLarge: () -> any Error) throws -> [UInt8] {
        guard count <= cap else { throw tooLarge() }
        return try readBytes(count: Int(count))
    }
}

/// A `BigEndianReader` over bytes in memory. Reading past the end throws the error its owner chose (each module
/// words it in its own terms).
package struct ByteArrayReader: BigEndianReader, Sendable {
    private let bytes: [UInt8]
    private let truncated: @Sendable (_ wanted: Int, _ left: Int) -> any Error
    /// The offset of the next byte to read.
    package private(set) var offset = 0

    /// A reader positioned at the start of `bytes`; `truncated` makes the error for a read past the end.
    package init(_ bytes: [UInt8], truncated: @escaping @Sendable (_ wanted: Int, _ left: Int) -> any Error) {
        self.bytes = bytes
        self.truncated = truncated
    }

    /// Bytes not read yet.
    package var remaining: Int { bytes.count - offset }

    /// Copies the next `buffer.count` bytes, or throws if fewer are left.
    package mutating func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count <= remaining else { throw truncated(buffer.count, remaining) }
        guard buffer.count > 0 else { return }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress!.advanced(by: offset), byteCount: buffer.count)
        }
        offset += buffer.count
    }
}
