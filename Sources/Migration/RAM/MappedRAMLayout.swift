/// Where mapped-ram puts one RAM block in a `file:` stream (QEMU 10's `MappedRamHeader`, migration/ram.c): after the
/// block's name and length in the `MEM_SIZE` record come 28 bytes — be32 version 1, be64 page size, be64 bitmap
/// offset, be64 pages offset — then the page bitmap, then (from the next 1 MiB boundary) one page-sized slot per
/// page of the block. Offsets are absolute file offsets; the stream resumes after the pages region.
struct MappedRAMLayout: Equatable {
    /// `MAPPED_RAM_HDR_VERSION`.
    static let version: UInt32 = 1
    /// `sizeof(MappedRamHeader)` (packed).
    static let headerSize = 28
    /// `MAPPED_RAM_FILE_OFFSET_ALIGNMENT`: the pages region starts on a 1 MiB boundary (O_DIRECT friendly).
    static let pagesAlignment: UInt64 = 1 << 20

    /// File offset of the page region (page `n` lives at `pagesOffset + n * 4096`).
    var pagesOffset: UInt64
    /// File offset of the bitmap (bit `n` of little-endian 64-bit words: page `n` has data in the file).
    var bitmapOffset: UInt64

    init(pagesOffset: UInt64, bitmapOffset: UInt64) {
        self.pagesOffset = pagesOffset
        self.bitmapOffset = bitmapOffset
    }

    /// The source's layout for a header written at `headerOffset` with a bitmap of `bitmapBytes`.
    init(headerOffset: UInt64, bitmapBytes: Int) {
        bitmapOffset = headerOffset + UInt64(Self.headerSize)
        let end = bitmapOffset + UInt64(bitmapBytes)
        pagesOffset = (end + Self.pagesAlignment - 1) / Self.pagesAlignment * Self.pagesAlignment
    }

    /// The header's bytes, as pieces (version, page size, bitmap offset, pages offset).
    var encodedHeader: [[UInt8]] {
        [bigEndianBytes(UInt64(Self.version), count: 4), bigEndianBytes(UInt64(GuestMemory.pageSize), count: 8),
         bigEndianBytes(bitmapOffset, count: 8), bigEndianBytes(pagesOffset, count: 8)]
    }

    /// Reads and checks a header (QEMU's `mapped_ram_read_header` and `parse_ramblock_mapped_ram` texts).
    static func read(from reader: MainStreamReader, block: String) throws -> MappedRAMLayout {
        let version = try reader.get32()
        let pageSize = try reader.get64()
        let bitmapOffset = try reader.get64()
        let pagesOffset = try reader.get64()
        guard version <= Self.version else {
            throw MigrationError("Migration mapped-ram capability version not supported (expected <= \(Self.version), "
                + "got \(version))")
        }
        guard pageSize == UInt64(GuestMemory.pageSize) else {
            throw MigrationError("Migration mapped-ram capability page size mismatch "
                + "(expected \(GuestMemory.pageSize), got \(pageSize))")
        }
        guard pagesOffset % UInt64(GuestMemory.pageSize) == 0 else {
            throw MigrationError("Error reading ramblock \(block) pages, region has bad alignment")
        }
        return MappedRAMLayout(pagesOffset: pagesOffset, bitmapOffset: bitmapOffset)
    }

    private func bigEndianBytes(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (count - 1 - $0))) }
    }
}
