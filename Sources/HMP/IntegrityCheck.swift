/// The outcome of the integrity check after a migration: digests compared, or why they were not.
package enum IntegrityCheck: Sendable, Equatable {
    /// Source and destination digests were compared.
    case compared(DigestComparison)
    /// No comparison, with the reason (`the destination's monitor is unknown`).
    case skipped(String)

    /// The text of the summary's `integrity:` line.
    package var summary: String {
        switch self {
        case .compared(let comparison): return comparison.summary
        case .skipped(let reason): return "not checked (\(reason))"
        }
    }
}
