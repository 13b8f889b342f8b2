/// The internal state of a simulated device: its seed and one generation number per page.
/// The state's bytes are `SimulatedStatePattern` pages, so this value fully describes them.
struct SimulatedDeviceImage {
    /// The state size in bytes.
    let stateSize: UInt64
    /// Number of pages (the last may be shorter than a full page).
    let pageCount: Int
    /// Pages `0..<precopyPages` are readable in PRE_COPY.
    let precopyPages: Int
    /// The seed derived from this device's own id (restored by a reset).
    let ownSeed: UInt64
    /// The seed of the current content (a destination adopts the source's).
    var seed: UInt64
    /// Generation of each page.
    var generations: [UInt32]
    private var dirtyRandom: UInt64

    /// A device whose every page is at generation 0.
    init(deviceID: String, stateSize: UInt64, precopySize: UInt64) {
        let pageSize = UInt64(SimulatedStatePattern.pageSize)
        self.stateSize = stateSize
        pageCount = Int((stateSize + pageSize - 1) / pageSize)
        precopyPages = Int((min(precopySize, stateSize) + pageSize - 1) / pageSize)
        ownSeed = SimulatedStatePattern.seed(forDeviceID: deviceID)
        seed = ownSeed
        generations = [UInt32](repeating: 0, count: pageCount)
        dirtyRandom = ownSeed ^ 0xD1B5_4A32_D192_ED03
    }

    /// Bytes of page `page`.
    func pageLength(_ page: Int) -> Int {
        guard page == pageCount - 1 else { return SimulatedStatePattern.pageSize }
        let tail = Int(stateSize % UInt64(SimulatedStatePattern.pageSize))
        return tail == 0 ? SimulatedStatePattern.pageSize : tail
    }

    /// Stream bytes of `count` page records, `includesLast` telling whether the possibly
    /// short last page is among them.
    func streamBytes(pages count: Int, includesLast: Bool) -> UInt64 {
        let full = UInt64(SimulatedStatePattern.headerSize + SimulatedStatePattern.pageSize)
        var bytes = UInt64(count) * full
        if includesLast, count > 0 {
            bytes -= UInt64(SimulatedStatePattern.pageSize - pageLength(pageCount - 1))
        }
        return bytes
    }

    /// Stream bytes of a record for every page.
    var totalStreamBytes: UInt64 { streamBytes(pages: pageCount, includesLast: true) }

    /// The running device changes `count` pseudo-randomly chosen pages; `touched` sees each.
    mutating func dirtyRandomPages(_ count: Int, touched: (Int) -> Void) {
        guard pageCount > 0 else { return }
        for _ in 0..<count {
            dirtyRandom &+= 0x9E37_79B9_7F4A_7C15
            let page = Int(StateHasher.fmix(dirtyRandom) % UInt64(pageCount))
            bump(page)
            touched(page)
        }
    }

    /// Moves `page` to its next generation (never to the "unwritten" marker).
    mutating func bump(_ page: Int) {
        generations[page] &+= 1
        if generations[page] == SimulatedStatePattern.unwrittenGeneration { generations[page] = 0 }
    }

    /// A reset device: every page at generation 0 with the device's own seed.
    mutating func resetToInitial() {
        seed = ownSeed
        for page in generations.indices { generations[page] = 0 }
    }

    /// A device entering RESUMING: nothing written yet.
    mutating func clearForResume() {
        for page in generations.indices { generations[page] = SimulatedStatePattern.unwrittenGeneration }
    }

    /// A digest of the state. Bytes are a pure function of (seed, page, generation), and a
    /// destination checks every written byte against that function, so hashing the seed and
    /// the generation vector is equivalent to hashing the bytes, and far cheaper.
    func digest() -> UInt64 {
        var hasher = StateHasher(seed: 0x6469_6765_7374_7631)
        hasher.combine(stateSize)
        hasher.combine(seed)
        var index = 0
        while index < generations.count {
            let high = UInt64(generations[index]) << 32
            let low = index + 1 < generations.count ? UInt64(generations[index + 1]) : 0
            hasher.combine(high | low)
            index += 2
        }
        return hasher.finalize()
    }
}
