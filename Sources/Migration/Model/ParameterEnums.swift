/// QEMU's `MultiFDCompression`; vmig implements only `none`.
public enum MultiFDCompression: String, CaseIterable, Sendable, Equatable {
    case none, zlib, zstd, qatzip, qpl, uadk

    /// The QAPI spelling.
    public var name: String { rawValue }
}

/// QEMU's `ZeroPageDetection`: where zero pages are found (`multifd`: in the multifd send threads when multifd
/// is on, else in the migration thread; `legacy`: always in the migration thread; `none`: never).
public enum ZeroPageDetection: String, CaseIterable, Sendable, Equatable {
    case none, legacy, multifd

    /// The QAPI spelling.
    public var name: String { rawValue }
}

/// QEMU's `MigMode`; vmig implements only `normal`.
public enum MigrationMode: String, CaseIterable, Sendable, Equatable {
    case normal
    case cprReboot = "cpr-reboot"
    case cprTransfer = "cpr-transfer"

    /// The QAPI spelling.
    public var name: String { rawValue }
}
