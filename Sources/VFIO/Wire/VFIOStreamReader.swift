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
