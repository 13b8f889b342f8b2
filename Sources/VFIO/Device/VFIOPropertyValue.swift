/// A property value as qom-get returns it and qom-set takes it (the monitor maps JSON to it).
package enum VFIOPropertyValue: Equatable, Sendable, CustomStringConvertible {
    /// A JSON boolean.
    case bool(Bool)
    /// A JSON integer (sizes and counts).
    case uint64(UInt64)
    /// A JSON string (OnOffAuto values, the type name).
    case string(String)

    /// The value as QEMU's string output visitor would print it.
    package var description: String {
        switch self {
        case .bool(let value): value ? "on" : "off"
        case .uint64(let value): String(value)
        case .string(let value): value
        }
    }
}
