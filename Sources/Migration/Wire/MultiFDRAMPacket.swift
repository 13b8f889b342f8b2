/// A multifd RAM packet header (`MultiFDPacket_t`, 1344 bytes with 128 pages):
/// hdr(12) | pages_alloc u32 @12 | normal_pages u32 @16 | next_packet_size u32 @20 | packet_num u64 @24 |
/// zero_pages u32 @32 | unused32 @36 | unused64[3] @40 | ramblock[256] @64 | offset[128] u64 @320
/// (normal offsets, then zero offsets, then zeros). `next_packet_size` bytes of page data (normal pages) follow.
/// As in QEMU the header always has the full length; a SYNC packet has pages_alloc 0 and an empty ramblock.
package struct MultiFDRAMPacket: Sendable, Equatable {
    /// Header flags (`0x01` = SYNC).
    package var flags: UInt32
    /// `pages_alloc` (128; 0 in SYNC packets).
    package var pagesAlloc: UInt32
    /// `packet_num`.
    package var packetNumber: UInt64
    /// RAM block name (`pc.ram`).
    package var ramBlock: String = GuestMemory.defaultBlockName
    /// Byte offsets of pages sent with data.
    package var normalOffsets: [UInt64]
    /// Byte offsets of zero pages (no data).
    package var zeroOffsets: [UInt64]

    /// A packet header; SYNC packets have no offsets.
    package init(flags: UInt32 = 0, packetNumber: UInt64, normalOffsets: [UInt64] = [], zeroOffsets: [UInt64] = []) {
        self.flags = flags
        self.packetNumber = packetNumber
        pagesAlloc = flags & MultiFDWire.flagSync != 0 ? 0 : UInt32(MultiFDWire.pagesPerPacket)
        self.normalOffsets = normalOffsets
        self.zeroOffsets = zeroOffsets
    }

    /// The 1344 header bytes (page data not included).
    package func encode() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: MultiFDWire.ramHeaderSize)
        bytes.withUnsafeMutableBytes { raw in
            MultiFDRAMPacket.storeHeader(at: raw.baseAddress!, flags: flags, pagesAlloc: pagesAlloc,
                                         packetNumber: packetNumber,
                                         normalCount: normalOffsets.count, zeroCount: zeroOffsets.count,
                                         blockName: ramBlock)
            for (index, offset) in (normalOffsets + zeroOffsets).enumerated() {
                raw.baseAddress!.storeBE64(offset, at: MultiFDWire.ramFixedSize + 8 * index)
            }
        }
        return bytes
    }

    /// Writes the fixed part (offsets are stored by the caller) into a 1344-byte buffer.
    static func storeHeader(at pointer: UnsafeMutableRawPointer, flags: UInt32, pagesAlloc: UInt32,
                            packetNumber: UInt64, normalCount: Int, zeroCount: Int,
                            blockName: String = GuestMemory.defaultBlockName) {
        MultiFDPacketHeader(flags: flags).store(at: pointer)
        pointer.storeBE32(pagesAlloc, at: 12)
        pointer.storeBE32(UInt32(normalCount), at: 16)
        pointer.storeBE32(UInt32(normalCount * GuestMemory.pageSize), at: 20)
        pointer.storeBE64(packetNumber, at: 24)
        pointer.storeBE32(UInt32(zeroCount), at: 32)
        (pointer + 36).initializeMemory(as: UInt8.self, repeating: 0, count: 28 + MultiFDWire.nameFieldSize)
        if pagesAlloc > 0 {
            let name = Array(blockName.utf8)
            name.withUnsafeBytes { (pointer + 64).copyMemory(from: $0.baseAddress!, byteCount: name.count) }
        }
    }

    /// Decodes and validates a complete header (fixed part + offsets) against RAM of `ramSize` bytes.
    package static func decode(_ bytes: [UInt8], ramSize: Int) throws -> MultiFDRAMPacket {
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
