/// A set of migration capabilities (all off by default), as `migrate-set-capabilities` changes them.
public struct MigrationCapabilities: Sendable, Equatable {
    private var enabled: Set<MigrationCapability> = []

    /// All capabilities off.
    package init() {}

    /// The given capabilities on.
    package init(_ capabilities: Set<MigrationCapability>) {
        enabled = capabilities
    }

    /// Reads or changes one capability.
    package subscript(_ capability: MigrationCapability) -> Bool {
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
    package var list: [(capability: MigrationCapability, state: Bool)] {
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
    static let mustMatch: [MigrationCapability] = [.multifd, .switchoverAck, .mappedRAM]
}
