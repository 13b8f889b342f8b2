import QEMUFormats

/// Parsing of property values given as text (`-device` options), with QEMU's rules
/// (`QEMUNumberParser`) and error texts (qapi `qapi_bool_parse`, string input visitor).
package enum VFIOValueParser {
    /// A size: decimal (optionally with a fraction) or `0x` hex, then an optional suffix
    /// B, K, M, G, T, P or E (case-insensitive, powers of 1024).
    package static func parseSize(_ text: String, name: String) throws -> UInt64 {
        do {
            return try QEMUNumberParser.size(text)
        } catch .outOfRange {
            throw VFIOError("Value '\(text)' is out of range for parameter '\(name)'")
        } catch {
            throw VFIOError("Parameter '\(name)' expects a non-negative number below 2^64")
        }
    }

    /// An unsigned integer in decimal, `0x` hex or `0` octal.
    package static func parseUInt64(_ text: String, name: String) throws -> UInt64 {
        guard let value = QEMUNumberParser.unsignedInteger(text) else {
            throw VFIOError("Parameter '\(name)' expects uint64")
        }
        return value
    }

    /// on/yes/true/y or off/no/false/n.
    package static func parseBool(_ text: String, name: String) throws -> Bool {
        switch text {
        case "on", "yes", "true", "y": return true
        case "off", "no", "false", "n": return false
        default: throw VFIOError("Parameter '\(name)' expects 'on' or 'off'")
        }
    }

    /// on, off or auto.
    package static func parseOnOffAuto(_ text: String, name: String) throws -> OnOffAuto {
        guard let value = OnOffAuto(rawValue: text) else {
            throw VFIOError("Parameter '\(name)' does not accept value '\(text)'")
        }
        return value
    }
}
