/// What the migration channels can carry, in bytes per second, as last estimated: the multifd channels together
/// and the main channel alone. Nil where nothing was measured.
public struct LinkCapacity: Sendable, Equatable {
    /// All multifd channels together.
    public var multifd: Double?
    /// The main channel.
    public var main: Double?

    /// Nothing measured.
    public init(multifd: Double? = nil, main: Double? = nil) {
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
