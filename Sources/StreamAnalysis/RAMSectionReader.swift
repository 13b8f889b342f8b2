import Migration

/// Reads RAM section payloads (`ram`, version 4): the block list, page records (normal, zero, mapped-ram), MULTIFD_FLUSH
/// and EOS, keeping counts per block across all RAM sections of the stream.
struct RAMSectionReader {
    /// `RAM_SAVE_FLAG_XBZRLE`, `_HOOK`, `_COMPRESS_PAGE`: refused, as by QEMU's script.
    private static let unsupported: [(UInt64, String)] = [(0x40, "XBZRLE"), (0x80, "HOOK"), (0x100, "COMPRESS_PAGE")]
    /// `MappedRamHeader` version.
    private static let mappedRAMVersion: UInt32 = 1

    let pageSize: Int
    let dump: MemoryDump?
    var mappedRAM = false
    var ignoreShared = false
    private(set) var report = RAMReport()
    /// Index in `report.blocks` of the block the last page record named.
    private var current: Int?

    init(pageSize: Int, dump: MemoryDump?, mappedRAM: Bool = false, ignoreShared: Bool = false) {
        self.pageSize = pageSize
        self.dump = dump
        self.mappedRAM = mappedRAM
        self.ignoreShared = ignoreShared
    }

    /// Reads records up to and including EOS.
    mutating func read(_ cursor: inout ByteCursor) throws {
        let mask = UInt64(pageSize - 1)
        while true {
            let at = cursor.offset
            cursor.file.release(before: at)
            let word = try cursor.be64("RAM record")
            var flags = word & mask
            let address = word & ~mask
            if flags & RAMFlag.memSize != 0 {
                try readBlockList(total: address, &cursor)
                flags &= ~RAMFlag.memSize
            }
            if flags & (RAMFlag.zero | RAMFlag.page) != 0 {
                try readPage(flags: flags, address: address, at: at, &cursor)
                flags &= ~(RAMFlag.zero | RAMFlag.page | RAMFlag.continue)
            }
            if let (_, name) = Self.unsupported.first(where: { flags & $0.0 != 0 }) {
                throw cursor.error("RAM record: \(name) pages are not supported (flags \(hex(flags)))", at: at)
            }
            if flags & RAMFlag.multifdFlush != 0 {
                report.flushes += 1
                flags &= ~RAMFlag.multifdFlush
                if flags == 0 { continue }
            }
            if flags & RAMFlag.eos != 0 {
                report.endOfSections += 1
                return
            }
            if flags != 0 {
                throw cursor.error("RAM record: expected known flags (ZERO, MEM_SIZE, PAGE, EOS, CONTINUE, MULTIFD_FLUSH), "
                    + "found \(hex(flags))", at: at)
            }
        }
    }

    private mutating func readBlockList(total: UInt64, _ cursor: inout ByteCursor) throws {
        var left = total
        while left > 0 {
            let at = cursor.offset
            let name = try cursor.string8("RAM block name")
            let length = try cursor.be64("length of RAM block \(name)")
            guard length > 0, length <= left, length % UInt64(pageSize) == 0 else {
                throw cursor.error("RAM block '\(name)': expected a page-aligned length of at most the \(left) bytes the "
                    + "MEM_SIZE record has left, found \(length)", at: at)
            }
            left -= length
            if ignoreShared { _ = try cursor.be64("RAM block \(name) address") }
            let index = report.blocks.firstIndex { $0.name == name } ?? {
                report.blocks.append(RAMBlockReport(name: name, length: length))
                return report.blocks.count - 1
            }()
            try dump?.declare(block: name, length: length)
            if mappedRAM { try readMappedRAM(block: index, &cursor) }
        }
    }

    /// `MappedRamHeader` (be32 version, be64 page size, be64 bitmap offset, be64 pages offset); the pages live at
    /// fixed file offsets and the stream goes on after them.
    private mutating func readMappedRAM(block index: Int, _ cursor: inout ByteCursor) throws {
        let at = cursor.offset
        let version = try cursor.be32("mapped-ram header version")
        let pageSize = try cursor.be64("mapped-ram page size")
        let bitmapOffset = try cursor.be64("mapped-ram bitmap offset")
        let pagesOffset = try cursor.be64("mapped-ram pages offset")
        guard version == Self.mappedRAMVersion, pageSize == UInt64(self.pageSize) else {
            throw cursor.error("mapped-ram header: expected version 1 and page size \(self.pageSize), found version "
                + "\(version) and page size \(pageSize)", at: at)
        }
        let block = report.blocks[index]
        let pages = Int(block.length / pageSize)
        var bitmapCursor = cursor.file.cursor(at: Int(clamping: bitmapOffset))
        let bitmap = try bitmapCursor.bytes((pages + 7) / 8, "mapped-ram bitmap of block \(block.name)")
        var pagesCursor = cursor.file.cursor(at: Int(clamping: pagesOffset))
        try pagesCursor.skip(Int(block.length), "mapped-ram pages of block \(block.name)")
        report.blocks[index].mappedPages = bitmap.reduce(0) { $0 + $1.nonzeroBitCount }
        if let dump {
            for page in 0..<pages where bitmap[page / 8] & (1 << (page % 8)) != 0 {
                let data = UnsafeRawBufferPointer(start: cursor.file.base! + Int(pagesOffset) + page * self.pageSize,
                                                  count: self.pageSize)
                try dump.write(block: block.name, offset: UInt64(page * self.pageSize), page: data)
            }
        }
        cursor.offset = pagesCursor.offset
    }

    private mutating func readPage(flags: UInt64, address: UInt64, at: Int, _ cursor: inout ByteCursor) throws {
        if flags & RAMFlag.continue == 0 {
            let name = try cursor.string8("RAM block name")
            guard let index = report.blocks.firstIndex(where: { $0.name == name }) else {
                throw cursor.error("page record: expected a block named in the MEM_SIZE record, found '\(name)'", at: at)
            }
            current = index
        }
        guard let index = current else {
            throw cursor.error("page record: expected a block name (CONTINUE set on the first page of the section)", at: at)
        }
        let block = report.blocks[index]
        guard address <= block.length - UInt64(pageSize) else {
            throw cursor.error("page record: expected an offset inside block '\(block.name)' (\(block.length) bytes), "
                + "found \(hex(address))", at: at)
        }
        if flags & RAMFlag.zero != 0 {
            let fill = try cursor.u8("zero page fill byte")
            report.blocks[index].zeroPages += 1
            try dump?.fill(block: block.name, offset: address, byte: fill, pageSize: pageSize)
        } else {
            let data = try cursor.bytes(pageSize, "page data")
            report.blocks[index].normalPages += 1
            try dump?.write(block: block.name, offset: address, page: data)
        }
    }
}
