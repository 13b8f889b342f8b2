/// A `VFIOStreamWriter` that collects everything in memory.
public struct VFIOByteWriter: VFIOStreamWriter, Sendable {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends `bytes`.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
    }
}
