/// What the migration channels can carry, in bytes per second, as last estimated: the multifd channels together
/// and the main channel alone. Nil where nothing was measured.
package struct LinkCapacity: Sendable, Equatable {
    /// All multifd channels together.
    package var multifd: Double?
    /// The main channel.
    package var main: Double?

    /// Nothing measured.
    package init(multifd: Double? = nil, main: Double? = nil) {
        self.multifd = multifd
        self.main = main
    }

    /// Keeps what `newer` measured and falls back to this estimate elsewhere.
    func updated(with newer: LinkCapacity) -> LinkCapacity {
        LinkCapacity(multifd: newer.multifd ?? multifd, main: newer.main ?? main)
    }
}

extension Optional where Wrapped == Double {
    /// `pick` of both rates when both are known, else the one that is, else nil (the model's rule for combining a
    /// measured rate with another bound).
    func merged(with other: Double?, by pick: (Double, Double) -> Double) -> Double? {
        switch (self, other) {
        case (let first?, let second?): pick(first, second)
        case (let first, nil): first
        case (nil, let second): second
        }
    }
}
