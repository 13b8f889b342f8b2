/// A property value as qom-get returns it and qom-set takes it (the monitor maps JSON to it).
public enum VFIOPropertyValue: Equatable, Sendable, CustomStringConvertible {
    /// A JSON boolean.
    case bool(Bool)
    /// A JSON integer (sizes and counts).
    case uint64(UInt64)
    /// A JSON string (OnOffAuto values, the type name).
    case string(String)

    /// The value as QEMU's string output visitor would print it.
    public var description: String {
        switch self {
        case .bool(let value): value ? "on" : "off"
        case .uint64(let value): String(value)
        case .string(let value): value
        }
    }
}

/// The QOM type of a property, as qom-list reports it.
public enum VFIOPropertyType: String, Sendable {
    /// `bool`
    case bool = "bool"
    /// `uint64`: a count.
    case uint64 = "uint64"
    /// `size`: bytes, with K/M/G/T suffixes on the command line.
    case size = "size"
    /// `OnOffAuto`
    case onOffAuto = "OnOffAuto"
    /// `string`
    case string = "string"

    /// The JSON type name used in QEMU's "expected:" errors.
    var expectedJSONType: String {
        switch self {
        case .bool: "boolean"
        case .uint64, .size: "integer"
        case .onOffAuto, .string: "string"
        }
    }
}
