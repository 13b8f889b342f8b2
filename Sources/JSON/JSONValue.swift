import OrderedCollections

/// An ordered JSON object: keys keep the order they were inserted or parsed in.
package typealias JSONObject = OrderedDictionary<String, JSONValue>

/// A JSON value, independent of any parser.
///
/// Integers keep their full range: values that fit in `Int64` are `.int`, larger non-negative
/// values (QMP sizes are uint64) are `.uint`. Use ``JSONValue/normalized`` constructors such as
/// ``JSONValue/integer(_:)`` to get the canonical form.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer in the `Int64` range.
    case int(Int64)
    /// A non-negative integer above `Int64.max`.
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The canonical value for an unsigned integer: `.int` when it fits, `.uint` otherwise.
    package static func integer(_ value: UInt64) -> JSONValue {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
    }

    /// The canonical value for any binary integer.
    package static func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        if let small = Int64(exactly: value) { return .int(small) }
        if let big = UInt64(exactly: value) { return .uint(big) }
        return .double(Double(value))
    }

    /// An empty object, as in `{"return": {}}`.
    package static var emptyObject: JSONValue { .object([:]) }

    /// The object's members, or nil when this is not an object.
    package var objectValue: JSONObject? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The array's elements, or nil when this is not an array.
    package var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The string, or nil when this is not a string.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The boolean, or nil when this is not a boolean.
    package var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The value as a signed 64-bit integer, or nil when it is not an integer in that range.
    package var int64Value: Int64? {
        if case .int(let number) = self { return number }
        return nil
    }

    /// The value as an unsigned 64-bit integer, or nil when it is not a non-negative integer.
    package var uint64Value: UInt64? {
        switch self {
        case .int(let number) where number >= 0: return UInt64(number)
        case .uint(let number): return number
        default: return nil
        }
    }

    /// The value as a floating-point number (integers convert), or nil when it is not a number.
    package var doubleValue: Double? {
        switch self {
        case .int(let number): return Double(number)
        case .uint(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// Whether this is the JSON `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member lookup for objects; nil for other values or missing keys.
    package subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The name of this value's JSON type as QEMU's messages spell it.
    package var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    package init(nilLiteral: ()) { self = .null }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int64) { self = .int(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of this value.
    package var description: String { JSONWriter.string(self, style: .compact) }
}
