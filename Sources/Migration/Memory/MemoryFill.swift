/// Initial content of guest RAM (`--memory-fill`).
package enum MemoryFill: Sendable, Equatable {
    /// Pseudo-random words derived from `seed` (counter-based, so any thread split gives the same content).
    case random(seed: UInt64)
    /// All zero: every page is a zero page.
    case zero
    /// A recognisable pattern: word `w` of page `p` is `0x5A00_0000_0000_0000 | p << 16 | w`, except that every
    /// fourth page (`p % 4 == 3`) is left zero, so both normal and zero pages occur.
    case pattern

    /// Parses the `--memory-fill` spelling: `random`, `zero` or `pattern`.
    package init?(name: String, seed: UInt64 = 1) {
        switch name {
        case "random": self = .random(seed: seed)
        case "zero": self = .zero
        case "pattern": self = .pattern
        default: return nil
        }
    }

    /// One word of the random fill.
    @inline(__always)
    static func randomWord(seed: UInt64, index: UInt64) -> UInt64 {
        var z = seed &+ index &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fills the words `[first, first + count)` of `base` (a word pointer into guest RAM).
    func fill(_ base: UnsafeMutablePointer<UInt64>, firstWord first: Int, count: Int, pageSize: Int) {
        switch self {
        case .zero:
            return
        case .random(let seed):
            for index in first..<first + count {
                base[index] = MemoryFill.randomWord(seed: seed, index: UInt64(index))
            }
        case .pattern:
            let wordsPerPage = pageSize / 8
            for index in first..<first + count {
                let page = index / wordsPerPage
                guard page % 4 != 3 else { continue }
                base[index] = 0x5A00_0000_0000_0000 | UInt64(page) << 16 | UInt64(index % wordsPerPage)
            }
        }
    }
}
