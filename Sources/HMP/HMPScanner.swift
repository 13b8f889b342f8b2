/// Reads an HMP command line the way QEMU's monitor does: command names end at a space or `/`, words end
/// at a space, and a word may be a double-quoted string with escapes.
struct HMPScanner {
    /// The whole line.
    let scalars: [Unicode.Scalar]
    /// The position of the next unread character.
    var position: Int

    init(_ line: String) {
        scalars = Array(line.unicodeScalars)
        position = 0
    }

    /// Whether everything has been read.
    var isAtEnd: Bool { position >= scalars.count }

    /// The unread rest of the line.
    var rest: String { text(from: position, to: scalars.count) }

    /// The text between two positions.
    func text(from start: Int, to end: Int) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[min(start, end)..<end])
        return String(result)
    }

    /// The text from `start` to the current position.
    func text(from start: Int) -> String { text(from: start, to: position) }

    /// The text from `start` to the current position without trailing spaces.
    func textTrimmingTrailingSpaces(from start: Int) -> String {
        var end = position
        while end > start, Self.isSpace(scalars[end - 1]) { end -= 1 }
        return text(from: start, to: end)
    }

    /// Skips spaces, tabs and line breaks.
    mutating func skipSpaces() {
        while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
    }

    /// The next character without consuming it.
    var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    /// Reads a command name (QEMU's `get_command_name`); nil on a blank rest of line.
    mutating func commandName() -> String? {
        skipSpaces()
        guard !isAtEnd else { return nil }
        let start = position
        while let scalar = peek, scalar != "/", !Self.isSpace(scalar) { position += 1 }
        return text(from: start)
    }

    /// Reads one word or quoted string (QEMU's `get_str`); nil when there is none or a quote is bad.
    mutating func word() -> String? {
        skipSpaces()
        guard let first = peek else { return nil }
        if first == "\"" { return quotedString() }
        let start = position
        while let scalar = peek, !Self.isSpace(scalar) { position += 1 }
        return text(from: start)
    }

    /// Reads everything that is left, without trailing spaces; empty at the end of the line.
    mutating func restOfLine() -> String {
        skipSpaces()
        let start = position
        position = scalars.count
        return textTrimmingTrailingSpaces(from: start)
    }

    private mutating func quotedString() -> String? {
        position += 1
        var result = String.UnicodeScalarView()
        while let scalar = peek, scalar != "\"" {
            position += 1
            guard scalar == "\\" else {
                result.append(scalar)
                continue
            }
            guard let escaped = peek, let replacement = Self.unescape(escaped) else { return nil }
            position += 1
            result.append(replacement)
        }
        guard peek == "\"" else { return nil }
        position += 1
        return String(result)
    }

    private static func unescape(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar {
        case "n": return "\n"
        case "r": return "\r"
        case "\\", "'", "\"": return scalar
        default: return nil
        }
    }

    /// QEMU's `qemu_isspace`: ASCII white space.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0B}" || scalar == "\u{0C}"
    }

    /// QEMU's `qemu_isgraph`: a printable ASCII character other than space.
    static func isGraphic(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F
    }
}
