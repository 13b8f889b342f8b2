/// A fixed-size set of page indices with a population count.
struct PageBitmap {
    private var words: [UInt64]
    /// The number of pages the bitmap covers.
    let pageCount: Int
    /// The number of pages in the set.
    private(set) var population: Int

    /// Creates a bitmap of `pageCount` pages, all in the set or none.
    init(pageCount: Int, allSet: Bool) {
        self.pageCount = pageCount
        let wordCount = (pageCount + 63) / 64
        words = [UInt64](repeating: allSet ? ~0 : 0, count: wordCount)
        population = allSet ? pageCount : 0
        if allSet, pageCount % 64 != 0 {
            words[wordCount - 1] = (1 << UInt64(pageCount % 64)) - 1
        }
    }

    /// Whether `page` is in the set.
    func contains(_ page: Int) -> Bool {
        words[page >> 6] & (1 << UInt64(page & 63)) != 0
    }

    /// Adds `page`; returns whether it was missing.
    @discardableResult
    mutating func insert(_ page: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(page & 63)
        guard words[page >> 6] & mask == 0 else { return false }
        words[page >> 6] |= mask
        population += 1
        return true
    }

    /// Removes `page`; returns whether it was present.
    @discardableResult
    mutating func remove(_ page: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(page & 63)
        guard words[page >> 6] & mask != 0 else { return false }
        words[page >> 6] &= ~mask
        population -= 1
        return true
    }

    /// The smallest page in the set in `start..<end`, if any.
    func first(from start: Int, below end: Int) -> Int? {
        var index = start
        while index < end {
            let word = words[index >> 6] >> UInt64(index & 63)
            if word != 0 {
                let found = index + word.trailingZeroBitCount
                return found < end ? found : nil
            }
            index = (index | 63) + 1
        }
        return nil
    }
}
