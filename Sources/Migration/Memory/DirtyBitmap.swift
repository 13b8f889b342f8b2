import Synchronization

/// A thread-safe bitmap with one bit per guest page, stored in atomic 64-bit words.
///
/// Writers (the guest workload) set bits with release ordering after changing a page; the migration thread takes
/// whole words with `take(word:)`, which reads and clears them atomically (KVM's "get and clear dirty log").
package final class DirtyBitmap: @unchecked Sendable {
    // @unchecked: every access to `words` goes through `Atomic` operations; the pointer itself never changes.
    private let words: UnsafeMutablePointer<Atomic<UInt64>>

    /// Number of pages (bits).
    package let pageCount: Int

    /// Number of 64-bit words.
    package let wordCount: Int

    /// Creates a bitmap of `pageCount` bits, all clear.
    package init(pageCount: Int) {
        self.pageCount = pageCount
        wordCount = (pageCount + 63) / 64
        words = .allocate(capacity: max(wordCount, 1))
        for index in 0..<max(wordCount, 1) {
            (words + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        words.deinitialize(count: max(wordCount, 1))
        words.deallocate()
    }

    /// Marks `page` dirty.
    @inline(__always)
    package func set(page: Int) {
        words[page >> 6].bitwiseOr(1 << UInt64(page & 63), ordering: .releasing)
    }

    /// True if `page` is dirty.
    package func isSet(page: Int) -> Bool {
        words[page >> 6].load(ordering: .acquiring) & (1 << UInt64(page & 63)) != 0
    }

    /// Reads and clears one word atomically.
    @inline(__always)
    package func take(word: Int) -> UInt64 {
        words[word].exchange(0, ordering: .acquiringAndReleasing)
    }

    /// Clears every bit.
    package func clearAll() {
        for index in 0..<wordCount {
            words[index].store(0, ordering: .releasing)
        }
    }

    /// Number of set bits.
    package func count() -> Int {
        var total = 0
        for index in 0..<wordCount {
            total += words[index].load(ordering: .relaxed).nonzeroBitCount
        }
        return total
    }
}
