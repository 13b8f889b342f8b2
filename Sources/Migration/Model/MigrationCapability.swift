/// QEMU 10's `MigrationCapability` enum, in QEMU's declaration order.
public enum MigrationCapability: String, CaseIterable, Sendable, Equatable, Hashable {
    case xbzrle
    case rdmaPinAll = "rdma-pin-all"
    case autoConverge = "auto-converge"
    case zeroBlocks = "zero-blocks"
    case events
    case postcopyRAM = "postcopy-ram"
    case xColo = "x-colo"
    case releaseRAM = "release-ram"
    case returnPath = "return-path"
    case pauseBeforeSwitchover = "pause-before-switchover"
    case multifd
    case dirtyBitmaps = "dirty-bitmaps"
    case postcopyBlocktime = "postcopy-blocktime"
    case lateBlockActivate = "late-block-activate"
    case xIgnoreShared = "x-ignore-shared"
    case validateUUID = "validate-uuid"
    case backgroundSnapshot = "background-snapshot"
    case zeroCopySend = "zero-copy-send"
    case postcopyPreempt = "postcopy-preempt"
    case switchoverAck = "switchover-ack"
    case dirtyLimit = "dirty-limit"
    case mappedRAM = "mapped-ram"

    /// The QAPI spelling, e.g. `pause-before-switchover`.
    public var name: String { rawValue }

    /// Bit of this capability in the configuration record (its index in QEMU's order).
    var bit: UInt64 { 1 << UInt64(MigrationCapability.allCases.firstIndex(of: self)!) }

    /// How vmig treats the capability when it is switched on.
    var support: Support {
        switch self {
        case .events, .multifd, .pauseBeforeSwitchover, .returnPath, .switchoverAck, .autoConverge, .mappedRAM:
            return .implemented
        case .zeroBlocks, .dirtyBitmaps, .lateBlockActivate, .xIgnoreShared, .validateUUID:
            return .acceptedWithoutEffect
        case .xbzrle, .rdmaPinAll, .postcopyRAM, .xColo, .releaseRAM, .postcopyBlocktime,
             .backgroundSnapshot, .zeroCopySend, .postcopyPreempt, .dirtyLimit:
            return .unsupported
        }
    }

    /// Whether a capability works, is harmless without effect, or is refused.
    enum Support {
        case implemented
        /// Accepted: there is nothing it could act on in this VM (no block devices, no shared memory, UUIDs are
        /// always checked in the multifd hello).
        case acceptedWithoutEffect
        case unsupported
    }
}
