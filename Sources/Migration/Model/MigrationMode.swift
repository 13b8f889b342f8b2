/// QEMU's `MigMode`; vmig implements only `normal`.
public enum MigrationMode: String, CaseIterable, Sendable, Equatable {
    case normal
    case cprReboot = "cpr-reboot"
    case cprTransfer = "cpr-transfer"

    /// The QAPI spelling.
    public var name: String { rawValue }
}
