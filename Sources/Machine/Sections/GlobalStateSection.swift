import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// QEMU's `globalstate` section (instance 0, version 1; migration/global_state.c): the run state the source VM
/// had when it was stopped for switchover, which decides whether the destination runs once the migration
/// completes. Wire: be32 `size` (the name's length + 1), `runstate` (32 bytes, the name NUL-padded),
/// u8 `has_vm_was_suspended`, u8 `vm_was_suspended`, 66 unused bytes. One FULL section after the END sections.
final class GlobalStateSection: SaveStateHandler {
    let idstr = "globalstate"
    let versionID: UInt32 = 1

    static let runStateBytes = 32
    static let unusedBytes = 66

    /// QEMU's VMSD as the vmdesc trailer describes it.
    static let layout = VMStateLayout(name: "globalstate", version: 1, fields: [
        .init("size", "uint32", 4), .init("runstate", "buffer", runStateBytes),
        .init("has_vm_was_suspended", "uint8", 1), .init("vm_was_suspended", "uint8", 1),
        .init("unused", "buffer", unusedBytes),
    ])

    /// The source's run state at switchover (what `global_state_store` records).
    private let stateAtSwitchover: @Sendable () -> RunState
    /// The run state received by the current or last incoming migration (nil: none received).
    private let received = NIOLockedValueBox<RunState?>(nil)

    var vmStateLayout: VMStateLayout? { Self.layout }

    init(stateAtSwitchover: @escaping @Sendable () -> RunState) {
        self.stateAtSwitchover = stateAtSwitchover
    }

    /// The run state the source sent (QEMU's `migration_get_target_runstate`: `running` when none arrived).
    var targetRunState: RunState {
        received.withLockedValue { $0 } ?? .running
    }

    func saveState(_ context: SaveContext) throws {
        let state = stateAtSwitchover()
        let name = Array(state.rawValue.utf8.prefix(Self.runStateBytes - 1))
        try context.put32(UInt32(name.count + 1))
        try context.putBytes(name + [UInt8](repeating: 0, count: Self.runStateBytes - name.count))
        try context.put8(1)
        try context.put8(state == .suspended ? 1 : 0)
        try context.putBytes([UInt8](repeating: 0, count: Self.unusedBytes))
    }

    func loadSetup(_ context: LoadContext) throws {
        received.withLockedValue { $0 = nil }
    }

    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        _ = try stream.get32()
        var buffer = try stream.getBytes(Self.runStateBytes, limit: Self.runStateBytes)
        _ = try stream.get8()
        _ = try stream.get8()
        _ = try stream.getBytes(Self.unusedBytes, limit: Self.unusedBytes)
        // A name filling all 32 bytes is cut at the last one, as QEMU does against a hostile stream.
        buffer[Self.runStateBytes - 1] = 0
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
        guard let state = RunState(rawValue: name) else {
            throw MigrationError("Invalid parameter '\(name)'")
        }
        received.withLockedValue { $0 = state }
    }
}
