import POSIXSupport
import Synchronization

/// Destination side of guest RAM: parses the "ram" section records (QEMU's `ram_load_precopy`) and runs the
/// multifd SYNC barrier on `MULTIFD_FLUSH`. Every offset and block name is checked before memory is touched.
final class RAMLoadState: SaveStateHandler, @unchecked Sendable {
    // @unchecked: used only by the main load thread.

    let idstr = RAMSection.idstr
    let versionID = RAMSection.version
    let isIterable = true

    private let memory: GuestMemory
    private let multifdSync: (() throws -> Void)?
    private let mappedRAM: Bool
    /// mapped-ram: threads reading the pages region (the multifd channel count with multifd, as QEMU's receive
    /// threads, else 1: the load thread itself).
    private let readers: Int
    private let cpuTime: CPUTimeAccumulator?
    /// A page record named the block already: CONTINUE records may follow, in this section or a later one (QEMU's
    /// `last_recv_block` outlives sections, and a QEMU source continues across them).
    private var blockKnown = false

    /// `multifdSync` is nil when multifd is off (then a flush record is an error). With `mappedRAM` the block's
    /// pages are read from their file region when its header arrives, by `readers` threads.
    init(memory: GuestMemory, multifdSync: (() throws -> Void)?, mappedRAM: Bool = false, readers: Int = 1,
         cpuTime: CPUTimeAccumulator? = nil) {
        self.memory = memory
        self.multifdSync = multifdSync
        self.mappedRAM = mappedRAM
        self.readers = max(1, readers)
        self.cpuTime = cpuTime
    }

    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        let reader = stream.reader
        while true {
            let word = try reader.get64()
            let flags = word & RAMFlag.mask
            let address = word & ~RAMFlag.mask
            switch flags & ~RAMFlag.continue {
            case RAMFlag.memSize:
                try loadBlockList(total: address, reader: reader)
            case RAMFlag.zero, RAMFlag.page:
                blockKnown = try checkBlock(flags: flags, blockKnown: blockKnown, reader: reader)
                try loadPage(address: address, zero: flags & RAMFlag.zero != 0, reader: reader)
            case RAMFlag.multifdFlush:
                guard let multifdSync else {
                    throw MigrationError("RAM_SAVE_FLAG_MULTIFD_FLUSH received but multifd is off")
                }
                try multifdSync()
            case RAMFlag.eos:
                return
            default:
                throw MigrationError("Unknown combination of migration flags: 0x\(hex(flags))")
            }
        }
    }

    /// The block list after `RAM_SAVE_FLAG_MEM_SIZE`: (u8 len, name, be64 length) until `total` bytes.
    private func loadBlockList(total: UInt64, reader: MainStreamReader) throws {
        var remaining = total
        while remaining > 0 {
            let name = try reader.getString8()
            let length = try reader.get64()
            guard name == memory.blockName else {
                throw MigrationError("Unknown ramblock \"\(name)\", cannot accept migration")
            }
            guard length == UInt64(memory.size) else {
                // QEMU 10.0's text (qemu_ram_resize on a block that is not resizeable).
                throw MigrationError("Size mismatch: \(name): 0x\(hex(length)) != 0x\(hex(memory.size)): Invalid argument")
            }
            guard length <= remaining else {
                throw MigrationError("RAM block lengths exceed the announced total of 0x\(hex(total))")
            }
            remaining -= length
            if mappedRAM {
                try loadMappedRAM(block: name, reader: reader)
            }
        }
    }

    /// QEMU's `parse_ramblock_mapped_ram`: the header, the bitmap at its offset, then every page whose bit is set
    /// from its slot of the pages region (one read per run of set bits); the stream goes on after the region.
    /// Pages whose bit is clear are zero (cleared here when this destination's RAM is not).
    private func loadMappedRAM(block: String, reader: MainStreamReader) throws {
        let layout = try MappedRAMLayout.read(from: reader, block: block)
        let words = memory.dirtyLog.wordCount
        var bitmap = [UInt64](repeating: 0, count: words)
        do {
            try bitmap.withUnsafeMutableBytes {
                try reader.read(into: $0.baseAddress!, count: words * 8, at: layout.bitmapOffset)
            }
        } catch {
            throw MigrationError("Error reading dirty bitmap")
        }
        var runs: [Range<Int>] = []
        var page = 0
        while page < memory.pageCount {
            let present = Self.bit(bitmap, page)
            var end = page + 1
            while end < memory.pageCount && Self.bit(bitmap, end) == present
                && (!present || end - page < Self.maxReadPages) { end += 1 }
            if present {
                runs.append(page..<end)
            } else {
                for zero in page..<end where !memory.isZeroPage(zero) {
                    memory.pointer(toPage: zero).initializeMemory(as: UInt8.self, repeating: 0,
                                                                   count: GuestMemory.pageSize)
                }
            }
            page = end
        }
        try readRuns(runs, layout: layout, block: block, reader: reader)
        let (resume, overflow) = layout.pagesOffset.addingReportingOverflow(UInt64(memory.size))
        guard !overflow else { throw MigrationError("Error reading ramblock \(block) pages, region has bad alignment") }
        try reader.seek(to: resume)
    }

    /// Most pages one read takes (QEMU's `MAPPED_RAM_LOAD_BUF_SIZE`, 1 MiB).
    private static let maxReadPages = 256

    /// Reads every run, on this thread or spread over `readers` threads taking runs in turn (first error wins).
    private func readRuns(_ runs: [Range<Int>], layout: MappedRAMLayout, block: String,
                          reader: MainStreamReader) throws {
        guard readers > 1, runs.count > 1 else {
            for run in runs { try readPages(run, layout: layout, block: block, reader: reader) }
            return
        }
        let next = Atomic<Int>(0)
        let errors = ErrorSlot()
        let threads = ThreadGroup()
        let this = self
        // Only its positioned reads are used here (`pread` on the file, no buffer state): safe from any thread.
        nonisolated(unsafe) let shared = reader
        for index in 0..<min(readers, runs.count) {
            try threads.spawn(name: "multifdrecv_\(index)", cpuTime: cpuTime) {
                while !errors.hasError {
                    let taken = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard taken < runs.count else { return }
                    do {
                        try this.readPages(runs[taken], layout: layout, block: block, reader: shared)
                    } catch {
                        errors.record(error)
                    }
                }
            }
        }
        threads.join()
        try errors.check()
    }

    private static func bit(_ bitmap: [UInt64], _ page: Int) -> Bool {
        UInt64(littleEndian: bitmap[page / 64]) & (1 << UInt64(page % 64)) != 0
    }

    private func readPages(_ pages: Range<Int>, layout: MappedRAMLayout, block: String,
                           reader: MainStreamReader) throws {
        let offset = UInt64(pages.lowerBound * GuestMemory.pageSize)
        let (fileOffset, overflow) = layout.pagesOffset.addingReportingOverflow(offset)
        do {
            guard !overflow else { throw SocketConnection.endOfFile }
            try reader.read(into: memory.pointer(toPage: pages.lowerBound), count: pages.count * GuestMemory.pageSize,
                            at: fileOffset)
        } catch {
            throw MigrationError("(\(block)) failed to read page \(hex(offset)) from file offset \(hex(fileOffset)): "
                + MigrationError.wrap(error).message)
        }
    }

    private func checkBlock(flags: UInt64, blockKnown: Bool, reader: MainStreamReader) throws -> Bool {
        if flags & RAMFlag.continue != 0 {
            guard blockKnown else { throw MigrationError("Ack, bad migration stream!") }
            return true
        }
        let name = try reader.getString8()
        guard name == memory.blockName else {
            throw MigrationError("Unknown ramblock \"\(name)\", cannot accept migration")
        }
        return true
    }

    private func loadPage(address: UInt64, zero: Bool, reader: MainStreamReader) throws {
        guard address <= UInt64(memory.size - GuestMemory.pageSize) else {
            throw MigrationError("Illegal RAM offset \(hex(address))")
        }
        let page = memory.base + Int(address)
        if zero {
            let fill = try reader.get8()
            if fill != 0 || !GuestMemory.isZero(UnsafeRawPointer(page)) {
                page.initializeMemory(as: UInt8.self, repeating: fill, count: GuestMemory.pageSize)
            }
        } else {
            try reader.read(into: page, count: GuestMemory.pageSize)
        }
    }
}
