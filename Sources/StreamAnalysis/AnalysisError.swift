/// Why a file could not be analysed: the file, the byte offset where reading stopped, and what was expected there.
package struct AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file being read.
    package let file: String
    /// Byte offset in `file` of the item that could not be read.
    package let offset: Int
    /// What was expected at `offset` and what was found instead.
    package let message: String

    /// `FILE: offset N (0xHEX): MESSAGE`.
    package var description: String {
        "\(file): offset \(offset) (0x\(String(offset, radix: 16))): \(message)"
    }
}
