/// Which peer a migration stream is meant for, decided by the machine type on each end.
///
/// Between two vmigd (machine `vmig`) the stream carries vmig's extras: the `configuration/vmig` subsection,
/// which lets the destination refuse mismatched capabilities and parameters at once, and the `RESULT` return-path
/// message, which reports the destination's resume time. With a QEMU peer (machine `none`) vmig speaks only what
/// QEMU 10.0 speaks: a configuration record holding the machine name alone, and the completion handshake of QEMU's
/// `return-path` (`MIG_RP_MSG_SHUT`) when that capability is on (docs/stream-format.md §4).
public enum StreamDialect: Sendable, Equatable {
    /// vmig ⇄ vmig.
    case vmig
    /// QEMU's own stream for a machine of this name (`none`).
    case qemu(machine: String)

    /// The machine name carried in the configuration record.
    public var machineName: String {
        switch self {
        case .vmig: QEVM.machineName
        case .qemu(let machine): machine
        }
    }

    /// True when vmig's extras (`configuration/vmig`, `RESULT`) are on the wire.
    public var hasVMigExtras: Bool {
        self == .vmig
    }
}
