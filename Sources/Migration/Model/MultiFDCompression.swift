/// QEMU's `MultiFDCompression`; vmig implements only `none`.
public enum MultiFDCompression: String, CaseIterable, Sendable, Equatable {
    case none, zlib, zstd, qatzip, qpl, uadk

    /// The QAPI spelling.
    public var name: String { rawValue }
}
