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

    /// Copies the next stream bytes into `buffer`; returns how many (0: nothing readable). A record that fits
    /// whole is generated straight into `buffer`; only one cut by the buffer's end goes through the staging copy.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer, image: SimulatedDeviceImage) -> Int {
        var written = 0
        while written < buffer.count {
            if recordOffset == recordLength {
                guard let (page, initial) = nextPage(image: image) else { break }
                let length = SimulatedStatePattern.headerSize + image.pageLength(page)
                if buffer.count - written >= length {
                    Self.writeRecord(
                        page: page, image: image,
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[written..<written + length]))
                    written += length
                    continue
                }
                prepareRecord(page: page, image: image, initial: initial)
            }
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

    /// Takes the next page to send off the bitmaps: unsent pages first, then dirty ones. `initial` tells whether
    /// it counts as initial precopy data.
    private mutating func nextPage(image: SimulatedDeviceImage) -> (page: Int, initial: Bool)? {
        let limit = stopCopy ? image.pageCount : image.precopyPages
        if let page = unsent.first(from: unsentCursor, below: limit) {
            unsentCursor = page + 1
            unsent.remove(page)
            if page < precopyPages { unsentPrecopy -= 1 }
            return (page, true)
        }
        if let page = dirty.first(from: dirtyCursor, below: image.pageCount) ?? dirty.first(from: 0, below: dirtyCursor) {
            dirtyCursor = page + 1
            dirty.remove(page)
            return (page, false)
        }
        return nil
    }

    /// Stages the record of `page` for reads that take it in pieces.
    private mutating func prepareRecord(page: Int, image: SimulatedDeviceImage, initial: Bool) {
        let length = SimulatedStatePattern.headerSize + image.pageLength(page)
        record.withUnsafeMutableBytes { bytes in
            Self.writeRecord(page: page, image: image, into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<length]))
        }
        recordLength = length
        recordOffset = 0
        recordIsInitial = initial
    }

    /// Writes the whole record of `page` (header, then the page's bytes) into `bytes`, which is exactly its size.
    private static func writeRecord(page: Int, image: SimulatedDeviceImage, into bytes: UnsafeMutableRawBufferPointer) {
        let length = bytes.count - SimulatedStatePattern.headerSize
        let generation = image.generations[page]
        SimulatedStatePattern.writeHeader(
            into: bytes, page: UInt32(page), generation: generation, length: UInt32(length), seed: image.seed)
        SimulatedStatePattern.fill(
            UnsafeMutableRawBufferPointer(rebasing: bytes[SimulatedStatePattern.headerSize...]), seed: image.seed,
            page: UInt32(page), generation: generation)
    }
}
