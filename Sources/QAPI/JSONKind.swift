import JSON

/// The JSON type of a value as QEMU's QObject sees it; integers and reals are both numbers.
///
/// Alternates pick their branch by this kind, as QEMU's generated visitors switch on the QObject type.
enum JSONKind: String, Sendable, Hashable {
    case null, boolean, number, string, array, object

    /// The kind of `value`.
    init(of value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool: self = .boolean
        case .int, .uint, .double: self = .number
        case .string: self = .string
        case .array: self = .array
        case .object: self = .object
        }
    }
}
