/// A source of big-endian migration stream data (the Migration module's main-stream reader
/// can conform to it; `VFIOByteReader` reads from memory).
public protocol VFIOStreamReader {
    /// Fills `buffer` completely, or throws (e.g. at end of stream).
    mutating func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws
}

extension VFIOStreamReader {
    /// Reads a big-endian 64-bit value.
    public mutating func readBE64() throws -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { try readExactly(into: $0) }
        return UInt64(bigEndian: value)
    }

    /// Reads a big-endian 32-bit value.
    public mutating func readBE32() throws -> UInt32 {
        var value: UInt32 = 0
        try withUnsafeMutableBytes(of: &value) { try readExactly(into: $0) }
        return UInt32(bigEndian: value)
    }

    /// Reads `count` bytes, refusing counts above `cap` before allocating anything.
    public mutating func readBytes(count: UInt64, cap: UInt64, what: String) throws -> [UInt8] {
        guard count <= cap else {
            throw VFIOError("\(what) of \(count) bytes exceeds the limit of \(cap)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(count))
        try bytes.withUnsafeMutableBytes { try readExactly(into: $0) }
        return bytes
    }
}

/// A `VFIOStreamReader` over bytes in memory.
public struct VFIOByteReader: VFIOStreamReader, Sendable {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset = 0

    /// A reader positioned at the start of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Bytes not read yet.
    public var remaining: Int { bytes.count - offset }

    /// Copies the next `buffer.count` bytes, or throws if fewer are left.
    public mutating func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard buffer.count <= remaining else {
            throw VFIOError("unexpected end of stream: \(buffer.count) bytes wanted, \(remaining) left")
        }
        guard buffer.count > 0 else { return }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress!.advanced(by: offset), byteCount: buffer.count)
        }
        offset += buffer.count
    }
}
