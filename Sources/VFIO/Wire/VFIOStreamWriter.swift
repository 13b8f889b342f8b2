/// A sink for big-endian migration stream data (the Migration module's main-stream writer
/// can conform to it; `VFIOByteWriter` collects into memory).
public protocol VFIOStreamWriter {
    /// Appends `bytes`.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension VFIOStreamWriter {
    /// Appends a big-endian 64-bit value.
    public mutating func writeBE64(_ value: UInt64) throws {
        try withUnsafeBytes(of: value.bigEndian) { try write($0) }
    }

    /// Appends a big-endian 32-bit value.
    public mutating func writeBE32(_ value: UInt32) throws {
        try withUnsafeBytes(of: value.bigEndian) { try write($0) }
    }

    /// Appends a VFIO stream tag.
    public mutating func write(tag: VFIOStreamTag) throws {
        try writeBE64(tag.rawValue)
    }

    /// Appends a byte array.
    public mutating func write(bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
