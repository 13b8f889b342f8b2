/// The built-in types of the schema language, as QAPI names them.
enum QAPIBuiltin: String, CaseIterable, Sendable {
    case str, bool, number, any, null
    case int, int8, int16, int32, int64
    case uint8, uint16, uint32, uint64, size

    /// Whether values are JSON integers.
    var isInteger: Bool {
        switch self {
        case .str, .bool, .number, .any, .null: return false
        default: return true
        }
    }

    /// The name introspection reports: QEMU folds every integer type into `int`.
    var introspectionName: String { isInteger ? "int" : rawValue }

    /// The `json-type` of the builtin's SchemaInfo entry.
    var jsonType: String {
        switch self {
        case .str: return "string"
        case .bool: return "boolean"
        case .number: return "number"
        case .any: return "value"
        case .null: return "null"
        default: return "int"
        }
    }

    /// The JSON kind a value of this type has; nil for `any`, which takes every kind.
    var jsonKind: JSONKind? {
        switch self {
        case .str: return .string
        case .bool: return .boolean
        case .null: return .null
        case .any: return nil
        default: return .number
        }
    }

    /// The accepted integer range, for every integer type.
    ///
    /// Unsigned types start at `Int64.min`: QEMU's uint64 reader takes negative integers and wraps them.
    var integerRange: (min: Int64, max: UInt64)? {
        switch self {
        case .int, .int64: return (Int64.min, UInt64(Int64.max))
        case .int8: return (Int64(Int8.min), UInt64(Int8.max))
        case .int16: return (Int64(Int16.min), UInt64(Int16.max))
        case .int32: return (Int64(Int32.min), UInt64(Int32.max))
        case .uint8: return (0, UInt64(UInt8.max))
        case .uint16: return (0, UInt64(UInt16.max))
        case .uint32: return (0, UInt64(UInt32.max))
        case .uint64, .size: return (Int64.min, UInt64.max)
        default: return nil
        }
    }

    /// For the narrow integer types, the C type QEMU names when a value is out of range (`uint8_t`).
    var cTypeName: String? {
        switch self {
        case .int8, .int16, .int32, .uint8, .uint16, .uint32: return rawValue + "_t"
        default: return nil
        }
    }
}
