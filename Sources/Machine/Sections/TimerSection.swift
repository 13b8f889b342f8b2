import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// QEMU's `timer` section (instance 0, version 2; QEMU's `TimersState`): be64 `cpu_ticks_offset`, 8 unused
/// bytes, be64 `cpu_clock_offset` (version 2 on). One FULL section after the END sections.
///
/// vmig has no guest clock of its own: the section carries the offsets it last received (zeros on a VM that never
/// received any), so a guest clock that passes through vmigd comes back as it went in.
final class TimerSection: SaveStateHandler {
    let idstr = "timer"
    let versionID: UInt32 = 2

    /// QEMU's VMSD as the vmdesc trailer describes it.
    static let layout = VMStateLayout(name: "timer", version: 2, fields: [
        .init("cpu_ticks_offset", "int64", 8), .init("unused", "unused_buffer", 8), .init("cpu_clock_offset", "int64", 8),
    ])

    /// `cpu_ticks_offset` and `cpu_clock_offset`.
    private let offsets = NIOLockedValueBox<(ticks: Int64, clock: Int64)>((0, 0))

    var vmStateLayout: VMStateLayout? { Self.layout }

    /// The offsets this VM would migrate.
    var values: (ticks: Int64, clock: Int64) {
        offsets.withLockedValue { $0 }
    }

    func saveState(_ context: SaveContext) throws {
        let (ticks, clock) = values
        try context.put64(UInt64(bitPattern: ticks))
        try context.putBytes([UInt8](repeating: 0, count: 8))
        try context.put64(UInt64(bitPattern: clock))
    }

    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        let ticks = Int64(bitPattern: try stream.get64())
        _ = try stream.get64()
        // Version 1 streams have no cpu_clock_offset (QEMU's VMSTATE_INT64_V(..., 2)).
        let clock = version >= 2 ? Int64(bitPattern: try stream.get64()) : 0
        offsets.withLockedValue { $0 = (ticks, clock) }
    }
}
