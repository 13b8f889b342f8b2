import JSON
import QEMUFormats

/// Reads a `qom-set` value given as text by the property's QOM type, as QEMU's `object_property_parse`
/// does with its string input visitor.
enum QOMValueParser {
    /// The JSON value for `text` when the property `property` has type `type` (`bool`, `uint32`, `size`, …).
    static func value(of text: String, type: String, property: String) throws(HMPError) -> JSONValue {
        switch type {
        case "bool":
            guard let flag = MigrationParameterCatalog.booleanValue(text) else {
                throw HMPError("Invalid parameter type for '\(property)', expected: boolean")
            }
            return .bool(flag)
        case "uint8", "uint16", "uint32", "uint64", "uint":
            guard let number = QEMUNumberParser.unsignedInteger(text) else {
                throw .parameterExpects(property, "uint64")
            }
            return .integer(number)
        case "int8", "int16", "int32", "int64", "int":
            guard let number = signedInteger(text) else { throw .parameterExpects(property, "int64") }
            return .int(number)
        case "size":
            return .integer(try OptionSizeParser.parse(text, name: property))
        case "number", "double":
            guard let number = Double(text), number.isFinite else {
                throw HMPError("Invalid parameter type for '\(property)', expected: number")
            }
            return .double(number)
        default:
            return .string(text)
        }
    }

    private static func signedInteger(_ text: String) -> Int64? {
        guard text.hasPrefix("-") else { return QEMUNumberParser.unsignedInteger(text).flatMap { Int64(exactly: $0) } }
        guard let magnitude = QEMUNumberParser.unsignedInteger(String(text.dropFirst())), magnitude <= 1 << 63 else {
            return nil
        }
        return magnitude == 1 << 63 ? Int64.min : -Int64(magnitude)
    }
}
