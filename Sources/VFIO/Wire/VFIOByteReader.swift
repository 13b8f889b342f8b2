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
