import POSIXSupport

/// Source side of guest RAM, a `SaveStateHandler` like QEMU's "ram" section (version 4).
///
/// It keeps the migration bitmap (pages still to send), merges the guest's dirty log into it at every sync
/// (`MIGRATION_PASS`), and sends dirty pages either through multifd (128-page slots, SYNC + `MULTIFD_FLUSH` at the
/// end of every round over the bitmap) or on the main stream (`RAM_SAVE_FLAG_PAGE`/`ZERO` records).
final class RAMSaveState: SaveStateHandler, @unchecked Sendable {
    // @unchecked: the mutable fields are used only by the migration thread; what other threads read lives in
    // `MigrationCounters` (atomics).

    let idstr = RAMSection.idstr
    let versionID = RAMSection.version
    let isIterable = true

    private let memory: GuestMemory
    private let counters: MigrationCounters
    private let zeroDetection: ZeroPageDetection
    private let onPass: (Int) -> Void
    private let bitmap: UnsafeMutablePointer<UInt64>
    private let wordCount: Int
    private var dirtyPages = 0
    private var cursor = 0
    private var sentSinceFlush = false
    private var sectionHasBlock = false
    private var slot = MultiFDSendSlot()
    private var multifd: MultiFDSender?
    private var syncCount = 0
    private var rateWindowStart = HostClock.monotonicMilliseconds()
    private var pagesDirtiedInWindow = 0
    /// mapped-ram (`file:`): where the block's pages and page bitmap live in the file, and that bitmap (a bit per
    /// page whose data is in the file; zero pages are left out and their bit cleared).
    private let mappedRAM: Bool
    private var layout = MappedRAMLayout(pagesOffset: 0, bitmapOffset: 0)
    private let fileBitmap: UnsafeMutablePointer<UInt64>
    /// mapped-ram on the main channel: consecutive pages not written yet (one `pwrite` of up to 1 MiB).
    private var pendingRun: (first: Int, count: Int)?
    private static let maxRunPages = 256

    init(memory: GuestMemory, counters: MigrationCounters, zeroDetection: ZeroPageDetection, mappedRAM: Bool = false,
         onPass: @escaping (Int) -> Void) {
        self.memory = memory
        self.counters = counters
        self.zeroDetection = zeroDetection
        self.mappedRAM = mappedRAM
        self.onPass = onPass
        wordCount = memory.dirtyLog.wordCount
        bitmap = .allocate(capacity: max(wordCount, 1))
        bitmap.initialize(repeating: 0, count: max(wordCount, 1))
        fileBitmap = .allocate(capacity: max(wordCount, 1))
        fileBitmap.initialize(repeating: 0, count: max(wordCount, 1))
    }

    deinit {
        bitmap.deallocate()
        fileBitmap.deallocate()
    }

    // MARK: Setup

    func saveSetup(_ context: SaveContext) throws {
        multifd = context.multifd
        markAllDirty()
        memory.dirtyLog.clearAll()
        completeSync()
        try context.put64(UInt64(memory.size) | RAMFlag.memSize)
        try context.writer.putString8(memory.blockName)
        try context.put64(UInt64(memory.size))
        if mappedRAM {
            try writeMappedRAMHeader(context)
        } else if let multifd {
            // QEMU 10.0's ram_save_setup: a SYNC on every channel and MULTIFD_FLUSH before any page. A QEMU
            // destination's receive threads may write pages only once its RAM load setup ran (it allocates the
            // block's received-page bitmap there); this barrier holds them until the main stream got that far.
            // (mapped-ram carries no multifd packets, so no barrier either, as in QEMU.)
            try multifd.sync()
            try context.put64(RAMFlag.multifdFlush)
        }
        try context.put64(RAMFlag.eos)
    }

    /// QEMU's `mapped_ram_setup_ramblock`: the 28-byte `MappedRamHeader` right after the block's length, the bitmap
    /// right after it, the pages from the next 1 MiB boundary (absolute file offsets); the stream goes on after
    /// the pages region.
    private func writeMappedRAMHeader(_ context: SaveContext) throws {
        let headerOffset = try context.writer.fileOffset()
        layout = MappedRAMLayout(headerOffset: headerOffset, bitmapBytes: wordCount * 8)
        for word in layout.encodedHeader {
            try context.writer.putBytes(word)
        }
        try context.writer.seek(to: layout.pagesOffset + UInt64(memory.size))
        multifd?.setMappedRAMPagesOffset(layout.pagesOffset)
    }

    private func markAllDirty() {
        for index in 0..<wordCount {
            let first = index * 64
            let bits = min(64, memory.pageCount - first)
            bitmap[index] = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        }
        dirtyPages = memory.pageCount
        counters.remainingPages.store(UInt64(dirtyPages), ordering: .relaxed)
    }

    // MARK: Pending and sync

    func pendingEstimate() -> UInt64 {
        UInt64(dirtyPages) * UInt64(GuestMemory.pageSize)
    }

    func pendingExact() -> UInt64 {
        syncDirtyLog()
        return pendingEstimate()
    }

    /// Merges the guest's dirty log into the migration bitmap (a "pass").
    private func syncDirtyLog() {
        var added = 0
        var dirtied = 0
        for index in 0..<wordCount {
            let word = memory.dirtyLog.take(word: index)
            guard word != 0 else { continue }
            added += (word & ~bitmap[index]).nonzeroBitCount
            pagesDirtiedInWindow += word.nonzeroBitCount
            dirtied += word.nonzeroBitCount
            bitmap[index] |= word
        }
        counters.dirtiedPages.wrappingAdd(UInt64(dirtied), ordering: .relaxed)
        dirtyPages += added
        counters.remainingPages.store(UInt64(dirtyPages), ordering: .relaxed)
        completeSync()
    }

    private func completeSync() {
        syncCount += 1
        counters.dirtySyncCount.store(UInt64(syncCount), ordering: .relaxed)
        counters.dirtyBytesLastSync.store(UInt64(dirtyPages) * UInt64(GuestMemory.pageSize), ordering: .relaxed)
        let now = HostClock.monotonicMilliseconds()
        if now - rateWindowStart >= 1000 {
            counters.dirtyPagesRate.store(UInt64(pagesDirtiedInWindow) * 1000 / (now - rateWindowStart),
                                          ordering: .relaxed)
            rateWindowStart = now
            pagesDirtiedInWindow = 0
        }
        onPass(syncCount)
    }

    // MARK: Iteration

    func saveIterate(_ context: SaveContext) throws {
        sectionHasBlock = false
        let deadline = HostClock.monotonicMilliseconds() + 50
        var words = 0
        while dirtyPages > 0 {
            try sendNextWord(context)
            words += 1
            if context.rateLimitExceeded || (words % 16 == 0 && HostClock.monotonicMilliseconds() >= deadline) {
                break
            }
        }
        try writePendingRun(context)
        try flushSlot()
        try context.put64(RAMFlag.eos)
    }

    func saveComplete(_ context: SaveContext) throws {
        sectionHasBlock = false
        syncDirtyLog()
        while dirtyPages > 0 {
            try sendNextWord(context)
        }
        try writePendingRun(context)
        try flushSlot()
        if mappedRAM {
            try multifd?.sync()
            try writeFileBitmap(context)
        } else if let multifd {
            // Device state goes out on the same channels from the save threads: the final SYNC must follow all of
            // it, so that the destination has every device-state packet once it passes this flush. The main stream
            // goes out first: a flush marker still in our buffer would keep the destination's receive threads
            // parked at an earlier SYNC, and the save threads could never finish sending.
            try context.writer.flush()
            try context.joinSaveThreads()
            try multifd.sync()
            try context.put64(RAMFlag.multifdFlush)
            sentSinceFlush = false
        }
        try context.put64(RAMFlag.eos)
    }

    /// QEMU's `ram_save_file_bmap`: the final page bitmap at its offset (host-order 64-bit words, as QEMU writes
    /// its `unsigned long` array on x86-64: little-endian).
    private func writeFileBitmap(_ context: SaveContext) throws {
        for index in 0..<wordCount {
            fileBitmap[index] = fileBitmap[index].littleEndian
        }
        do {
            try context.writer.write(fileBitmap, count: wordCount * 8, at: layout.bitmapOffset)
        } catch {
            throw MigrationError("Failed to write bitmap to file: \(MigrationError.wrap(error).message)")
        }
    }

    func saveCleanup() {
        multifd = nil
    }

    /// Sends the dirty pages of the word at the cursor, wrapping (and flushing multifd) at the end of the bitmap.
    private func sendNextWord(_ context: SaveContext) throws {
        if cursor >= wordCount {
            try wrap(context)
        }
        var word = bitmap[cursor]
        if word != 0 {
            bitmap[cursor] = 0
            dirtyPages -= word.nonzeroBitCount
            counters.remainingPages.store(UInt64(dirtyPages), ordering: .relaxed)
            let firstPage = cursor * 64
            while word != 0 {
                let page = firstPage + word.trailingZeroBitCount
                word &= word - 1
                try send(page: page, context)
            }
        }
        cursor += 1
    }

    /// End of a round over the bitmap: a multifd SYNC barrier before any page can be sent a second time.
    private func wrap(_ context: SaveContext) throws {
        cursor = 0
        guard let multifd, sentSinceFlush else { return }
        try flushSlot()
        if mappedRAM {
            // A local barrier only (nothing in the stream): a page written again must not race its older copy.
            try multifd.sync()
            sentSinceFlush = false
            return
        }
        try multifd.sync()
        try context.put64(RAMFlag.multifdFlush)
        // The destination releases its receive threads from this SYNC only when it reads the marker.
        try context.writer.flush()
        sentSinceFlush = false
    }

    private func send(page: Int, _ context: SaveContext) throws {
        let offset = UInt64(page * GuestMemory.pageSize)
        sentSinceFlush = true
        if mappedRAM {
            try sendMapped(page: page, offset: offset, context)
            return
        }
        if let multifd {
            if zeroDetection == .legacy && memory.isZeroPage(page) {
                try writeZeroRecord(offset: offset, context)
                return
            }
            slot.addPage(offset: offset)
            if slot.isFull {
                try multifd.send(&slot)
            }
            return
        }
        if zeroDetection != .none && memory.isZeroPage(page) {
            try writeZeroRecord(offset: offset, context)
        } else {
            let header = try writePageHeader(offset: offset, flag: RAMFlag.page, context)
            try context.writer.putPage(memory.pointer(toPage: page))
            counters.addPages(normal: 1, zero: 0)
            counters.ramBytes.add(header + GuestMemory.pageSize)
        }
    }

    /// mapped-ram: a zero page only clears its bit; any other page is written at its place in the file, by a
    /// multifd channel or here.
    private func sendMapped(page: Int, offset: UInt64, _ context: SaveContext) throws {
        let bit: UInt64 = 1 << UInt64(page % 64)
        if zeroDetection != .none && memory.isZeroPage(page) {
            fileBitmap[page / 64] &= ~bit
            counters.addPages(normal: 0, zero: 1)
            return
        }
        fileBitmap[page / 64] |= bit
        if let multifd {
            slot.addPage(offset: offset)
            if slot.isFull {
                try multifd.send(&slot)
            }
            return
        }
        if let run = pendingRun, run.first + run.count == page, run.count < Self.maxRunPages {
            pendingRun = (run.first, run.count + 1)
        } else {
            try writePendingRun(context)
            pendingRun = (page, 1)
        }
    }

    /// mapped-ram on the main channel: writes the pending run of pages at its place in the file.
    private func writePendingRun(_ context: SaveContext) throws {
        guard let run = pendingRun else { return }
        pendingRun = nil
        try context.writer.write(memory.pointer(toPage: run.first), count: run.count * GuestMemory.pageSize,
                                 at: layout.pagesOffset + UInt64(run.first * GuestMemory.pageSize))
        counters.addPages(normal: run.count, zero: 0)
        counters.ramBytes.add(run.count * GuestMemory.pageSize)
    }

    private func writeZeroRecord(offset: UInt64, _ context: SaveContext) throws {
        let header = try writePageHeader(offset: offset, flag: RAMFlag.zero, context)
        try context.put8(0)
        counters.addPages(normal: 0, zero: 1)
        counters.ramBytes.add(header + 1)
    }

    /// `offset | flag`, with CONTINUE when the block was already named in this section (else the block name).
    /// Returns the bytes written.
    private func writePageHeader(offset: UInt64, flag: UInt64, _ context: SaveContext) throws -> Int {
        if sectionHasBlock {
            try context.put64(offset | flag | RAMFlag.continue)
            return 8
        }
        try context.put64(offset | flag)
        try context.writer.putString8(memory.blockName)
        sectionHasBlock = true
        return 8 + 1 + memory.blockName.utf8.count
    }

    private func flushSlot() throws {
        if let multifd, !slot.isEmpty {
            try multifd.send(&slot)
        }
    }
}
