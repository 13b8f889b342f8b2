/// The QOM type of a property, as qom-list reports it.
package enum VFIOPropertyType: String, Sendable {
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
