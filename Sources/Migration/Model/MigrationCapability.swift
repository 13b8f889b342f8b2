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
        case .events, .multifd, .pauseBeforeSwitchover, .returnPath, .switchoverAck:
            return .implemented
        case .zeroBlocks, .dirtyBitmaps, .lateBlockActivate, .xIgnoreShared, .validateUUID:
            return .acceptedWithoutEffect
        case .xbzrle, .rdmaPinAll, .autoConverge, .postcopyRAM, .xColo, .releaseRAM, .postcopyBlocktime,
             .backgroundSnapshot, .zeroCopySend, .postcopyPreempt, .dirtyLimit, .mappedRAM:
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

/// A set of migration capabilities (all off by default), as `migrate-set-capabilities` changes them.
public struct MigrationCapabilities: Sendable, Equatable {
    private var enabled: Set<MigrationCapability> = []

    /// All capabilities off.
    public init() {}

    /// The given capabilities on.
    public init(_ capabilities: Set<MigrationCapability>) {
        enabled = capabilities
    }

    /// Reads or changes one capability.
    public subscript(_ capability: MigrationCapability) -> Bool {
        get { enabled.contains(capability) }
        set {
            if newValue {
                enabled.insert(capability)
            } else {
                enabled.remove(capability)
            }
        }
    }

    /// Every capability with its state, in QEMU's order (the shape of `query-migrate-capabilities`).
    public var list: [(capability: MigrationCapability, state: Bool)] {
        MigrationCapability.allCases.map { ($0, enabled.contains($0)) }
    }

    /// The bitmask carried in the configuration record.
    var mask: UInt64 {
        enabled.reduce(0) { $0 | $1.bit }
    }

    /// Rebuilds a set from a configuration-record bitmask (unknown bits are ignored).
    init(mask: UInt64) {
        enabled = Set(MigrationCapability.allCases.filter { mask & $0.bit != 0 })
    }

    /// QEMU's `migrate_caps_check` for this engine: refuses capabilities vmig cannot honour and QEMU's
    /// dependency rules.
    func validate() throws {
        for capability in MigrationCapability.allCases where self[capability] && capability.support == .unsupported {
            throw MigrationError("Capability '\(capability.name)' is not supported by vmig")
        }
        if self[.switchoverAck] && !self[.returnPath] {
            throw MigrationError("Capability 'switchover-ack' requires capability 'return-path'")
        }
    }

    /// Capabilities whose state must be equal on both ends (they change the stream or the handshake).
    static let mustMatch: [MigrationCapability] = [.multifd, .switchoverAck]
}
