/// How the engine treats each capability of the generated `MigrationCapability` (`MigrationQAPITypes.swift`, in
/// QEMU's declaration order, from schema/migration.json).
extension MigrationCapability {
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
