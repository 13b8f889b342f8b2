/// A multifd RAM packet header (`MultiFDPacket_t`, 1344 bytes with 128 pages):
/// hdr(12) | pages_alloc u32 @12 | normal_pages u32 @16 | next_packet_size u32 @20 | packet_num u64 @24 |
/// zero_pages u32 @32 | unused32 @36 | unused64[3] @40 | ramblock[256] @64 | offset[128] u64 @320
/// (normal offsets, then zero offsets, then zeros). `next_packet_size` bytes of page data (normal pages) follow.
/// As in QEMU the header always has the full length; a SYNC packet has pages_alloc 0 and an empty ramblock.
public struct MultiFDRAMPacket: Sendable, Equatable {
    public var flags: UInt32
    public var pagesAlloc: UInt32
    public var packetNumber: UInt64
    public var ramBlock: String = GuestMemory.blockName
    /// Byte offsets of pages sent with data.
    public var normalOffsets: [UInt64]
    /// Byte offsets of zero pages (no data).
    public var zeroOffsets: [UInt64]

    /// A packet header; SYNC packets have no offsets.
    public init(flags: UInt32 = 0, packetNumber: UInt64, normalOffsets: [UInt64] = [], zeroOffsets: [UInt64] = []) {
        self.flags = flags
        self.packetNumber = packetNumber
        pagesAlloc = flags & MultiFDWire.flagSync != 0 ? 0 : UInt32(MultiFDWire.pagesPerPacket)
        self.normalOffsets = normalOffsets
        self.zeroOffsets = zeroOffsets
    }

    /// The 1344 header bytes (page data not included).
    public func encode() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: MultiFDWire.ramHeaderSize)
        bytes.withUnsafeMutableBytes { raw in
            MultiFDRAMPacket.storeHeader(at: raw.baseAddress!, flags: flags, pagesAlloc: pagesAlloc,
                                         packetNumber: packetNumber,
                                         normalCount: normalOffsets.count, zeroCount: zeroOffsets.count)
            for (index, offset) in (normalOffsets + zeroOffsets).enumerated() {
                raw.baseAddress!.storeBE64(offset, at: MultiFDWire.ramFixedSize + 8 * index)
            }
        }
        return bytes
    }

    /// Writes the fixed part (offsets are stored by the caller) into a 1344-byte buffer.
    static func storeHeader(at pointer: UnsafeMutableRawPointer, flags: UInt32, pagesAlloc: UInt32,
                            packetNumber: UInt64, normalCount: Int, zeroCount: Int) {
        MultiFDPacketHeader(flags: flags).store(at: pointer)
        pointer.storeBE32(pagesAlloc, at: 12)
        pointer.storeBE32(UInt32(normalCount), at: 16)
        pointer.storeBE32(UInt32(normalCount * GuestMemory.pageSize), at: 20)
        pointer.storeBE64(packetNumber, at: 24)
        pointer.storeBE32(UInt32(zeroCount), at: 32)
        (pointer + 36).initializeMemory(as: UInt8.self, repeating: 0, count: 28 + MultiFDWire.nameFieldSize)
        if pagesAlloc > 0 {
            let name = Array(GuestMemory.blockName.utf8)
            name.withUnsafeBytes { (pointer + 64).copyMemory(from: $0.baseAddress!, byteCount: name.count) }
        }
    }

    /// Decodes and validates a complete header (fixed part + offsets) against RAM of `ramSize` bytes.
    public static func decode(_ bytes: [UInt8], ramSize: Int) throws -> MultiFDRAMPacket {
        guard bytes.count == MultiFDWire.ramHeaderSize else {
            throw MigrationError("multifd: RAM packet header has \(bytes.count) bytes, expected \(MultiFDWire.ramHeaderSize)")
        }
        return try bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            let header = try MultiFDPacketHeader.load(from: base)
            let view = try MultiFDRAMHeaderView(fixedPart: base, flags: header.flags)
            try view.validateOffsets(base, ramSize: ramSize)
            let offsets = (0..<view.normalPages + view.zeroPages).map {
                base.loadBE64(at: MultiFDWire.ramFixedSize + 8 * $0)
            }
            var packet = MultiFDRAMPacket(flags: header.flags, packetNumber: view.packetNumber,
                                          normalOffsets: Array(offsets.prefix(view.normalPages)),
                                          zeroOffsets: Array(offsets.dropFirst(view.normalPages)))
            packet.pagesAlloc = view.pagesAlloc
            return packet
        }
    }
}

/// Validated fields of a received RAM packet header, read in place (no allocation on the data path).
struct MultiFDRAMHeaderView {
    let pagesAlloc: UInt32
    let normalPages: Int
    let zeroPages: Int
    let nextPacketSize: UInt32
    let packetNumber: UInt64

    /// Reads the fixed part (first 320 bytes) and checks counts, sizes, flags and the block name.
    init(fixedPart base: UnsafeRawPointer, flags: UInt32) throws {
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
            try MultiFDRAMHeaderView.checkBlockName(base + 64)
        }
    }

    private static func checkBlockName(_ field: UnsafeRawPointer) throws {
        let bytes = UnsafeRawBufferPointer(start: field, count: MultiFDWire.nameFieldSize)
        guard let end = bytes.firstIndex(of: 0) else {
            throw MigrationError("multifd: unterminated ram block name")
        }
        let name = String(decoding: bytes[..<end], as: UTF8.self)
        if name != GuestMemory.blockName {
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
