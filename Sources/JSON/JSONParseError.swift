/// Why a piece of a JSON stream could not be decoded. `description` is QEMU's text for the case.
package enum JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Malformed JSON; the detail is QEMU's wording where one exists (`expecting value`, `invalid keyword 'x'`).
    case syntax(String)
    /// One message grew beyond the size cap (QEMU: 64 MiB).
    case messageTooLarge
    /// One message nests objects/arrays deeper than the cap (QEMU: 1024 levels).
    case nestingTooDeep

    /// QEMU formats a parse error's detail into a 1024-byte buffer, so an echoed token is cut at 1023 bytes.
    static let maxDetailBytes = 1023

    /// QEMU's text for this error.
    package var description: String {
        switch self {
        case .syntax(let detail): return "JSON parse error, \(Self.cut(detail))"
        case .messageTooLarge: return "JSON token size limit exceeded"
        case .nestingTooDeep: return "JSON nesting depth limit exceeded"
        }
    }

    /// `text` cut to at most ``maxDetailBytes`` UTF-8 bytes, at a character boundary.
    static func cut(_ text: String) -> String {
        guard text.utf8.count > maxDetailBytes else { return text }
        var bytes = 0
        var end = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let width = UTF8.width(text.unicodeScalars[index])
            if bytes + width > maxDetailBytes { break }
            bytes += width
            end = text.unicodeScalars.index(after: index)
        }
        return String(text.unicodeScalars[..<end])
    }

    /// Input bytes as an error message quotes them: control characters as `\xHH` (a NUL would make the reply
    /// unreadable to JSON parsers that refuse `\u0000`, an escape sequence would reach a terminal), invalid UTF-8
    /// replaced, and no more than ``maxDetailBytes``.
    static func echo<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var shown: [UInt8] = []
        for byte in bytes.prefix(maxDetailBytes) {
            if byte < 0x20 || byte == 0x7F {
                shown += Array("\\x".utf8) + Array(hexDigits(byte).utf8)
            } else {
                shown.append(byte)
            }
        }
        return cut(String(decoding: shown, as: UTF8.self))
    }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }

    /// Translates one of jansson's error texts into QEMU's wording; `number` is the literal jansson stopped
    /// at when it reports an integer it cannot hold (its text does not quote it).
    static func fromJansson(_ text: String, number: String? = nil) -> JSONParseError {
        let near = nearText(text)
        if text.hasPrefix("maximum parsing depth") { return .nestingTooDeep }
        if text.hasPrefix("too big") || text.hasPrefix("real number overflow") {
            // QEMU turns such numbers into doubles (infinity for 1e400); vmig refuses them instead.
            return .syntax("number '\(near ?? number ?? "")' is out of range")
        }
        if text.hasPrefix("\\u0000 is not allowed") { return .syntax("\\u0000 is not supported") }
        if text.hasPrefix("invalid Unicode '"), let escape = text.dropFirst("invalid Unicode '".count).split(separator: "'").first {
            return .syntax("\(escape) is not a valid Unicode character")
        }
        if text.hasPrefix("invalid escape") { return .syntax("invalid escape sequence in string") }
        if text.hasPrefix("unable to decode byte") {
            return .syntax(near?.hasPrefix("\"") == true ? "invalid UTF-8 sequence in string" : "invalid UTF-8 sequence")
        }
        if text.hasPrefix("invalid token") { return .syntax("invalid keyword '\(near ?? "")'") }
        if text.hasPrefix("control character") { return .syntax("stray '\(near ?? "")'") }
        if text.hasPrefix("string or '}' expected") {
            // `{"a":1,}` is a missing value to QEMU; `{1:2}` is a key that is not a string.
            let structural: Set<String> = ["}", "]", ",", ":", "{", "["]
            return .syntax(structural.contains(near ?? "") ? "expecting value" : "key is not a string in object")
        }
        if text.hasPrefix("':' expected") { return .syntax("missing : in object pair") }
        if text.hasPrefix("'}' expected") { return .syntax("expected separator in dict") }
        if text.hasPrefix("']' expected") { return .syntax("expected separator in list") }
        if text.hasPrefix("duplicate object key") { return .syntax("duplicate key \(near ?? "")") }
        return .syntax("expecting value")
    }

    /// The token jansson quotes after "near '": `invalid token near 'tru'` gives `tru`.
    private static func nearText(_ text: String) -> String? {
        let needle = Array("near '".utf8)
        let bytes = Array(text.utf8)
        guard bytes.count >= needle.count,
            let offset = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        else { return nil }
        var rest = bytes[(offset + needle.count)...]
        if rest.last == UInt8(ascii: "'") { rest = rest.dropLast() }
        return echo(rest)
    }
}
