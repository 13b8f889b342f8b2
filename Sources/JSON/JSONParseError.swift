/// Why a piece of a JSON stream could not be decoded. `description` is QEMU's text for the case.
public enum JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Malformed JSON; the detail is QEMU's wording where one exists (`expecting value`, `invalid keyword 'x'`).
    case syntax(String)
    /// One message grew beyond the size cap (QEMU: 64 MiB).
    case messageTooLarge
    /// One message nests objects/arrays deeper than the cap (QEMU: 1024 levels).
    case nestingTooDeep

    /// QEMU's text for this error.
    public var description: String {
        switch self {
        case .syntax(let detail): return "JSON parse error, \(detail)"
        case .messageTooLarge: return "JSON token size limit exceeded"
        case .nestingTooDeep: return "JSON nesting depth limit exceeded"
        }
    }

    /// Translates one of jansson's error texts into QEMU's wording.
    static func fromJansson(_ text: String) -> JSONParseError {
        let near = nearText(text)
        if text.hasPrefix("maximum parsing depth") { return .nestingTooDeep }
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
        if text.contains("UTF-8") || text.contains("Unicode") || text.contains("escape") {
            return .syntax(text)
        }
        return .syntax("expecting value")
    }

    /// The token jansson quotes after "near '": `invalid token near 'tru'` gives `tru`.
    private static func nearText(_ text: String) -> String? {
        let needle = Array("near '".utf8)
        let bytes = Array(text.utf8)
        guard bytes.count >= needle.count,
            let offset = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        else { return nil }
        var rest = Substring(String(decoding: bytes[(offset + needle.count)...], as: UTF8.self))
        if rest.hasSuffix("'") { rest = rest.dropLast() }
        return String(rest)
    }
}
