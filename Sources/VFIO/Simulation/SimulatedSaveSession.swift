/// The outgoing data stream of a simulated device between entering PRE_COPY or STOP_COPY
/// and leaving the saving states: which pages still have to be sent, and the record being
/// read right now.
struct SimulatedSaveSession {
    /// Pages never sent in this session.
    private(set) var unsent: PageBitmap
    /// Pages sent, then changed again by the running device (always in the precopy region).
    private(set) var dirty: PageBitmap
    /// Whether the device reached STOP_COPY (every page becomes readable).
    var stopCopy = false
    private var unsentCursor = 0
    private var dirtyCursor = 0
    private var record: [UInt8]
    private var recordLength = 0
    private var recordOffset = 0
    private var recordIsInitial = false
    private let precopyPages: Int
    private var unsentPrecopy: Int

    /// A session that still has to send every page; pages below `precopyPages` are readable
    /// in PRE_COPY.
    init(pageCount: Int, precopyPages: Int) {
        self.precopyPages = precopyPages
        unsentPrecopy = precopyPages
        unsent = PageBitmap(pageCount: pageCount, allSet: true)
        dirty = PageBitmap(pageCount: pageCount, allSet: false)
        record = [UInt8](repeating: 0, count: SimulatedStatePattern.headerSize + SimulatedStatePattern.pageSize)
    }

    /// The running device changed `page`: resend it if it was already sent.
    mutating func pageDirtied(_ page: Int) {
        if !unsent.contains(page) { dirty.insert(page) }
    }

    /// Copies the next stream bytes into `buffer`; returns how many (0: nothing readable).
    mutating func read(into buffer: UnsafeMutableRawBufferPointer, image: SimulatedDeviceImage) -> Int {
        var written = 0
        while written < buffer.count {
            if recordOffset == recordLength, !startNextRecord(image: image) { break }
            let count = min(recordLength - recordOffset, buffer.count - written)
            record.withUnsafeBytes { source in
                buffer.baseAddress!.advanced(by: written)
                    .copyMemory(from: source.baseAddress!.advanced(by: recordOffset), byteCount: count)
            }
            recordOffset += count
            written += count
        }
        return written
    }

    /// Bytes still readable: initial precopy data, dirty precopy data, and everything STOP_COPY
    /// would still deliver.
    func pendingBytes(image: SimulatedDeviceImage) -> (initial: UInt64, dirty: UInt64, stopCopy: UInt64) {
        guard image.pageCount > 0 else { return (0, 0, 0) }
        let lastPage = image.pageCount - 1
        var initial = image.streamBytes(
            pages: unsentPrecopy, includesLast: lastPage < image.precopyPages && unsent.contains(lastPage))
        var dirtyBytes = image.streamBytes(pages: dirty.population, includesLast: dirty.contains(lastPage))
        let remainder = UInt64(recordLength - recordOffset)
        if recordIsInitial { initial += remainder } else { dirtyBytes += remainder }
        let allUnsent = image.streamBytes(pages: unsent.population, includesLast: unsent.contains(lastPage))
        let allDirty = image.streamBytes(pages: dirty.population, includesLast: dirty.contains(lastPage))
        return (initial, dirtyBytes, allUnsent + allDirty + remainder)
    }

    private mutating func startNextRecord(image: SimulatedDeviceImage) -> Bool {
        let limit = stopCopy ? image.pageCount : image.precopyPages
        if let page = unsent.first(from: unsentCursor, below: limit) {
            unsentCursor = page + 1
            unsent.remove(page)
            if page < precopyPages { unsentPrecopy -= 1 }
            prepareRecord(page: page, image: image, initial: true)
            return true
        }
        if let page = dirty.first(from: dirtyCursor, below: image.pageCount) ?? dirty.first(from: 0, below: dirtyCursor) {
            dirtyCursor = page + 1
            dirty.remove(page)
            prepareRecord(page: page, image: image, initial: false)
            return true
        }
        return false
    }

    private mutating func prepareRecord(page: Int, image: SimulatedDeviceImage, initial: Bool) {
        let length = image.pageLength(page)
        let generation = image.generations[page]
        record.withUnsafeMutableBytes { bytes in
            SimulatedStatePattern.writeHeader(
                into: bytes, page: UInt32(page), generation: generation, length: UInt32(length), seed: image.seed)
            let payload = UnsafeMutableRawBufferPointer(
                rebasing: bytes[SimulatedStatePattern.headerSize..<SimulatedStatePattern.headerSize + length])
            SimulatedStatePattern.fill(payload, seed: image.seed, page: UInt32(page), generation: generation)
        }
        recordLength = SimulatedStatePattern.headerSize + length
        recordOffset = 0
        recordIsInitial = initial
    }
}
