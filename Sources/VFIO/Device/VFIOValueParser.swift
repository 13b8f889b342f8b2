/// Parsing of property values given as text (`-device` options), with QEMU's rules and
/// error texts (util/cutils.c `qemu_strtosz`, qapi `qapi_bool_parse`, string input visitor).
public enum VFIOValueParser {
    /// A size: decimal (optionally with a fraction) or `0x` hex, then an optional suffix
    /// B, K, M, G, T, P or E (case-insensitive, powers of 1024).
    public static func parseSize(_ text: String, name: String) throws -> UInt64 {
        switch sizeValue(text) {
        case .some(.some(let value)): return value
        case .some(.none): throw VFIOError("Value '\(text)' is out of range for parameter '\(name)'")
        case .none: throw VFIOError("Parameter '\(name)' expects a non-negative number below 2^64")
        }
    }

    /// An unsigned integer in decimal, `0x` hex or `0` octal.
    public static func parseUInt64(_ text: String, name: String) throws -> UInt64 {
        guard let value = unsignedValue(text) else {
            throw VFIOError("Parameter '\(name)' expects uint64")
        }
        return value
    }

    /// on/yes/true/y or off/no/false/n.
    public static func parseBool(_ text: String, name: String) throws -> Bool {
        switch text {
        case "on", "yes", "true", "y": return true
        case "off", "no", "false", "n": return false
        default: throw VFIOError("Parameter '\(name)' expects 'on' or 'off'")
        }
    }

    /// on, off or auto.
    public static func parseOnOffAuto(_ text: String, name: String) throws -> OnOffAuto {
        guard let value = OnOffAuto(rawValue: text) else {
            throw VFIOError("Parameter '\(name)' does not accept value '\(text)'")
        }
        return value
    }

    /// nil: malformed; .some(nil): out of range; .some(value): fine.
    private static func sizeValue(_ text: String) -> UInt64?? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return hexSize(text.dropFirst(2)) }
        var body = Substring(text)
        var multiplier: UInt64 = 1
        if let last = body.last, let shift = suffixShift(last) {
            multiplier = 1 << shift
            body = body.dropLast()
        }
        return decimalSize(body, multiplier: multiplier)
    }

    /// Hex digits swallow B and E, so a suffix is whatever follows the longest hex run.
    private static func hexSize(_ text: Substring) -> UInt64?? {
        let digits = text.prefix(while: \.isHexDigit)
        let rest = text.dropFirst(digits.count)
        guard !digits.isEmpty, rest.count <= 1 else { return nil }
        var multiplier: UInt64 = 1
        if let suffix = rest.first {
            guard let shift = suffixShift(suffix) else { return nil }
            multiplier = 1 << shift
        }
        guard let value = UInt64(digits, radix: 16) else { return .some(nil) }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return .some(overflow ? nil : product)
    }

    private static func decimalSize(_ body: Substring, multiplier: UInt64) -> UInt64?? {
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integerPart = parts.first, !integerPart.isEmpty, integerPart.allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        guard let integer = UInt64(integerPart) else { return .some(nil) }
        var fraction = 0.0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let value = Double("0." + digits) else { return nil }
            fraction = value
            // A fraction of a byte is meaningless (QEMU rejects it too).
            if multiplier == 1, fraction != 0 { return nil }
        }
        let (whole, overflow) = integer.multipliedReportingOverflow(by: multiplier)
        let extra = UInt64((fraction * Double(multiplier)).rounded(.down))
        guard !overflow, whole <= UInt64.max - extra else { return .some(nil) }
        return .some(whole + extra)
    }

    private static func suffixShift(_ character: Character) -> UInt64? {
        switch character.uppercased() {
        case "B": 0
        case "K": 10
        case "M": 20
        case "G": 30
        case "T": 40
        case "P": 50
        case "E": 60
        default: nil
        }
    }

    private static func unsignedValue(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.count > 1, text.hasPrefix("0") { return UInt64(text.dropFirst(), radix: 8) }
        return UInt64(text)
    }
}

extension Character {
    /// Whether this is one of 0–9.
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
