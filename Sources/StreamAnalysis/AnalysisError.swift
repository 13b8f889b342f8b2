/// Why a file could not be analysed: the file, the byte offset where reading stopped, and what was expected there.
public struct AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file being read.
    public let file: String
    /// Byte offset in `file` of the item that could not be read.
    public let offset: Int
    /// What was expected at `offset` and what was found instead.
    public let message: String

    /// `FILE: offset N (0xHEX): MESSAGE`.
    public var description: String {
        "\(file): offset \(offset) (0x\(String(offset, radix: 16))): \(message)"
    }
}
