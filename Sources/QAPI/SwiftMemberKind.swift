import JSON

/// How a schema type is held in generated Swift: its Swift type, how a JSON value decodes to it and encodes
/// from it, and how a schema default is written as a Swift literal.
enum SwiftMemberKind: Sendable {
    case string
    /// `StrOrNull`: a string, where null means the empty string (for the TLS parameters: unset).
    case stringOrNull
    case bool
    /// An unsigned integer type; `cName` is QEMU's name for it in range errors (`uint8_t`).
    case unsigned(swift: String, cName: String, max: UInt64)
    /// A signed integer type.
    case signed(swift: String, cName: String, min: Int64, max: Int64)
    case double
    /// A generated enum.
    case enumeration(swift: String, values: [String])

    /// The kind of the type at `index` of `table`, or nil when generated Swift cannot hold it.
    static func of(_ index: Int, in table: TypeTable, plan: SwiftGenerationPlan) -> SwiftMemberKind? {
        switch table[index] {
        case .builtin(let builtin):
            return of(builtin)
        case .enumeration(let type):
            guard let entry = plan.entry(type.name), entry.shape == .enumeration else { return nil }
            return .enumeration(swift: entry.swiftName, values: type.values.map(\.name))
        case .alternate(let type):
            let kinds = Set(type.branches.map { table[$0.type].name })
            return kinds == ["str", "null"] ? .stringOrNull : nil
        case .array, .object:
            return nil
        }
    }

    private static func of(_ builtin: QAPIBuiltin) -> SwiftMemberKind? {
        switch builtin {
        case .str: return .string
        case .bool: return .bool
        case .number: return .double
        case .any, .null: return nil
        case .uint8: return .unsigned(swift: "UInt8", cName: "uint8_t", max: UInt64(UInt8.max))
        case .uint16: return .unsigned(swift: "UInt16", cName: "uint16_t", max: UInt64(UInt16.max))
        case .uint32: return .unsigned(swift: "UInt32", cName: "uint32_t", max: UInt64(UInt32.max))
        case .uint64, .size: return .unsigned(swift: "UInt64", cName: "uint64", max: UInt64.max)
        case .int8: return .signed(swift: "Int8", cName: "int8_t", min: Int64(Int8.min), max: Int64(Int8.max))
        case .int16: return .signed(swift: "Int16", cName: "int16_t", min: Int64(Int16.min), max: Int64(Int16.max))
        case .int32: return .signed(swift: "Int32", cName: "int32_t", min: Int64(Int32.min), max: Int64(Int32.max))
        case .int, .int64: return .signed(swift: "Int64", cName: "int64", min: Int64.min, max: Int64.max)
        }
    }

    /// The Swift type.
    var swiftType: String {
        switch self {
        case .string, .stringOrNull: return "String"
        case .bool: return "Bool"
        case .double: return "Double"
        case .unsigned(let swift, _, _), .signed(let swift, _, _, _), .enumeration(let swift, _): return swift
        }
    }

    /// The expression that decodes the `JSONValue` named `value` of the member named by the `String` `name`.
    func decodeExpression(value: String, name: String) -> String {
        switch self {
        case .string: return "try QAPIDecoding.string(\(value), \(name))"
        case .stringOrNull: return "try QAPIDecoding.stringOrNull(\(value), \(name))"
        case .bool: return "try QAPIDecoding.bool(\(value), \(name))"
        case .double: return "try QAPIDecoding.double(\(value), \(name))"
        case .unsigned(_, let cName, _): return "try QAPIDecoding.unsigned(\(value), \(name), \"\(cName)\")"
        case .signed(_, let cName, _, _): return "try QAPIDecoding.signed(\(value), \(name), \"\(cName)\")"
        case .enumeration(let swift, _): return "try \(swift)(qapi: \(value), member: \(name))"
        }
    }

    /// The expression that encodes the Swift value `expression`.
    func encodeExpression(_ expression: String) -> String {
        switch self {
        case .string, .stringOrNull: return ".string(\(expression))"
        case .bool: return ".bool(\(expression))"
        case .double: return ".double(\(expression))"
        case .unsigned, .signed: return ".integer(\(expression))"
        case .enumeration: return "\(expression).qapiJSON"
        }
    }

    /// The Swift literal of the schema default `value`, or nil when the value does not fit the type.
    func literal(_ value: JSONValue) -> String? {
        switch (self, value) {
        case (.string, .string(let text)), (.stringOrNull, .string(let text)):
            return SwiftSource.stringLiteral(text)
        case (.bool, .bool(let flag)):
            return flag ? "true" : "false"
        case (.double, _):
            return value.doubleValue.map { "\($0)" }
        case (.unsigned(_, _, let max), _):
            guard let number = value.uint64Value, number <= max else { return nil }
            return SwiftSource.integerLiteral(number)
        case (.signed(_, _, let min, let max), .int(let number)) where number >= min && number <= max:
            return "\(number)"
        case (.enumeration(_, let values), .string(let text)) where values.contains(text):
            return "." + SwiftNames.escaped(SwiftNames.identifier(text))
        default:
            return nil
        }
    }
}
