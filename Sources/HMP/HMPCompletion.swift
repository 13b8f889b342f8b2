/// Candidates for the word being typed: what tab completion offers.
package struct HMPCompletion: Sendable, Equatable {
    /// The part of the word typed so far (the text the candidates replace).
    package let word: String
    /// The names that start with ``word``, in table order.
    package let candidates: [String]

    /// The longest text every candidate starts with (at least ``word`` when there are candidates).
    package var commonPrefix: String {
        guard var prefix = candidates.first else { return word }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
