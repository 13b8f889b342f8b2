/// Validated fields of a received RAM packet header, read in place (no allocation on the data path).
struct MultiFDRAMHeaderView {
    let pagesAlloc: UInt32
    let normalPages: Int
    let zeroPages: Int
    let nextPacketSize: UInt32
    let packetNumber: UInt64

    /// Reads the fixed part (first 320 bytes) and checks counts, sizes, flags and the block name (`blockName`).
    init(fixedPart base: UnsafeRawPointer, flags: UInt32, blockName: String = GuestMemory.defaultBlockName) throws {
        let unknown = flags & ~(MultiFDWire.flagSync | MultiFDWire.compressionMask | MultiFDWire.flagDeviceState)
        if flags & MultiFDWire.compressionMask != 0 || unknown != 0 {
            throw MigrationError("multifd: flags received \(hex(flags)) flags expected \(hex(flags & MultiFDWire.flagSync))")
        }
        pagesAlloc = base.loadBE32(at: 12)
        let normal = base.loadBE32(at: 16)
        nextPacketSize = base.loadBE32(at: 20)
        packetNumber = base.loadBE64(at: 24)
        let zero = base.loadBE32(at: 32)
        let maxPages = UInt32(MultiFDWire.pagesPerPacket)
        if pagesAlloc > maxPages {
            throw MigrationError("multifd: received packet with size \(pagesAlloc) and expected a size of \(maxPages)")
        }
        if normal > pagesAlloc {
            throw MigrationError("multifd: received packet with \(normal) normal pages and expected maximum pages are \(pagesAlloc)")
        }
        if zero > pagesAlloc - normal {
            throw MigrationError("multifd: received packet with \(zero) zero pages and expected maximum zero pages are \(pagesAlloc - normal)")
        }
        if UInt64(nextPacketSize) != UInt64(normal) * UInt64(GuestMemory.pageSize) {
            throw MigrationError("multifd: received packet with next_packet_size \(nextPacketSize) for \(normal) normal pages")
        }
        normalPages = Int(normal)
        zeroPages = Int(zero)
        if normalPages + zeroPages > 0 {
            try MultiFDRAMHeaderView.checkBlockName(base + 64, expected: blockName)
        }
    }

    private static func checkBlockName(_ field: UnsafeRawPointer, expected: String) throws {
        let bytes = UnsafeRawBufferPointer(start: field, count: MultiFDWire.nameFieldSize)
        guard let end = bytes.firstIndex(of: 0) else {
            throw MigrationError("multifd: unterminated ram block name")
        }
        let name = String(decoding: bytes[..<end], as: UTF8.self)
        if name != expected {
            throw MigrationError("multifd: unknown ram block \(name)")
        }
    }

    /// Checks every offset: page aligned and inside RAM (QEMU's "offset too long" text).
    func validateOffsets(_ base: UnsafeRawPointer, ramSize: Int) throws {
        for index in 0..<(normalPages + zeroPages) {
            try MultiFDRAMHeaderView.checkOffset(base.loadBE64(at: MultiFDWire.ramFixedSize + 8 * index), ramSize: ramSize)
        }
    }

    @inline(__always)
    static func checkOffset(_ offset: UInt64, ramSize: Int) throws {
        if offset > UInt64(ramSize - GuestMemory.pageSize) {
            throw MigrationError("multifd: offset too long \(offset) (max \(hex(ramSize)))")
        }
        if offset & RAMFlag.mask != 0 {
            throw MigrationError("multifd: offset \(offset) is not page aligned")
        }
    }
}
