import JSON
import QEMUFormats

/// The migration parameters `migrate_set_parameter` knows, in the order of QEMU's `MigrationParameter`
/// enum, and how each parses its text value (QEMU's `hmp_migrate_set_parameter`).
enum MigrationParameterCatalog {
    /// How a parameter's text is read.
    enum Kind: Sendable, Equatable {
        /// An unsigned integer no larger than `max`; `typeName` is QEMU's name for the range (`uint8_t`).
        case unsigned(max: UInt64, typeName: String)
        /// `on|yes|true` or `off|no|false`, any case.
        case boolean
        /// Any text.
        case string
        /// A size, bytes without a suffix (`visit_type_size`).
        case size
        /// A time in milliseconds, read as QEMU reads it (`visit_type_size`), with an error that says so.
        case milliseconds
        /// A size no larger than INT64_MAX, bytes without a suffix (`xbzrle-cache-size`).
        case boundedSize
        /// A bandwidth: a size with MiB as the default unit (`qemu_strtosz_MiB`).
        case bandwidth
        /// One of the values of a QAPI enum.
        case enumeration([String])
    }

    /// Every parameter with its kind, in QEMU's order.
    static let parameters: [(name: String, kind: Kind)] = [
        ("announce-initial", .milliseconds), ("announce-max", .milliseconds), ("announce-rounds", .size),
        ("announce-step", .milliseconds),
        ("throttle-trigger-threshold", .unsigned(max: 255, typeName: "uint8_t")),
        ("cpu-throttle-initial", .unsigned(max: 255, typeName: "uint8_t")),
        ("cpu-throttle-increment", .unsigned(max: 255, typeName: "uint8_t")),
        ("cpu-throttle-tailslow", .boolean),
        ("tls-creds", .string), ("tls-hostname", .string), ("tls-authz", .string),
        ("max-bandwidth", .bandwidth), ("avail-switchover-bandwidth", .bandwidth), ("downtime-limit", .milliseconds),
        ("x-checkpoint-delay", .unsigned(max: UInt64(UInt32.max), typeName: "uint32_t")),
        ("multifd-channels", .unsigned(max: 255, typeName: "uint8_t")),
        ("xbzrle-cache-size", .boundedSize), ("max-postcopy-bandwidth", .size),
        ("max-cpu-throttle", .unsigned(max: 255, typeName: "uint8_t")),
        ("multifd-compression", .enumeration(["none", "zlib", "zstd", "qatzip", "qpl", "uadk"])),
        ("multifd-zlib-level", .unsigned(max: 255, typeName: "uint8_t")),
        ("multifd-qatzip-level", .unsigned(max: 255, typeName: "uint8_t")),
        ("multifd-zstd-level", .unsigned(max: 255, typeName: "uint8_t")),
        ("x-vcpu-dirty-limit-period", .milliseconds), ("vcpu-dirty-limit", .size),
        ("mode", .enumeration(["normal", "cpr-reboot", "cpr-transfer"])),
        ("zero-page-detection", .enumeration(["none", "legacy", "multifd"])),
    ]

    /// The parameter names, in QEMU's order.
    static var names: [String] { parameters.map(\.name) }

    /// The kind of the parameter `name`, or nil when there is no such parameter.
    static func kind(of name: String) -> Kind? {
        parameters.first { $0.name == name }?.kind
    }

    /// The JSON value `migrate-set-parameters` gets for `text`, or QEMU's error naming the parameter.
    static func value(of text: String, for name: String, kind: Kind) throws(HMPError) -> JSONValue {
        switch kind {
        case .unsigned(let max, let typeName):
            // QEMU names only the C type (`expects uint8_t`); the range is added.
            guard let number = QEMUNumberParser.unsignedInteger(text), number <= max else {
                throw .parameterExpects(name, "\(typeName), a whole number from 0 to \(max)")
            }
            return .integer(number)
        case .boolean:
            guard let flag = booleanValue(text) else {
                throw HMPError("Invalid parameter type for '\(name)', expected: boolean")
            }
            return .bool(flag)
        case .string:
            return .string(text)
        case .size, .boundedSize:
            let size = try OptionSizeParser.parse(text, name: name)
            if kind == .boundedSize && size > UInt64(Int64.max) { throw HMPError("Invalid size \(text)") }
            return .integer(size)
        case .milliseconds:
            return .integer(try OptionSizeParser.parse(text, name: name, inMilliseconds: true))
        case .bandwidth:
            guard let size = try? QEMUNumberParser.size(text, defaultUnit: 1 << 20), size <= UInt64(Int64.max) else {
                throw HMPError("Invalid size \(text)")
            }
            return .integer(size)
        case .enumeration(let values):
            guard values.contains(text) else { throw HMPError("Parameter '\(name)' does not accept value '\(text)'") }
            return .string(text)
        }
    }

    /// The string input visitor's booleans.
    static func booleanValue(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "on", "yes", "true": return true
        case "off", "no", "false": return false
        default: return nil
        }
    }
}
