import JSON
import QMP

/// Reads one JSON value as a member's Swift type for the mapping `qapi-gen swift` generates
/// (`Generated/MigrationQAPIJSON.swift`); the errors are QEMU's input visitor's.
enum QAPIDecoding {
    static func error(_ text: String) -> any Error { QMPError.generic(text) }

    static func invalidType(_ name: String, _ expected: String) -> any Error {
        error("Invalid parameter type for '\(name)', expected: \(expected)")
    }

    static func unexpected(_ name: String) -> any Error { error("Parameter '\(name)' is unexpected") }

    static func missing(_ name: String) -> any Error { error("Parameter '\(name)' is missing") }

    static func object(_ json: JSONValue, _ name: String) throws -> JSONObject {
        guard case .object(let members) = json else { throw invalidType(name, "object") }
        return members
    }

    static func string(_ json: JSONValue, _ name: String) throws -> String {
        guard case .string(let text) = json else { throw invalidType(name, "string") }
        return text
    }

    /// A string, or null for the empty string.
    static func stringOrNull(_ json: JSONValue, _ name: String) throws -> String {
        if case .null = json { return "" }
        return try string(json, name)
    }

    static func bool(_ json: JSONValue, _ name: String) throws -> Bool {
        guard case .bool(let flag) = json else { throw invalidType(name, "boolean") }
        return flag
    }

    static func double(_ json: JSONValue, _ name: String) throws -> Double {
        guard let number = json.doubleValue else { throw invalidType(name, "number") }
        return number
    }

    /// An unsigned integer (negative ones wrap, as QEMU's uint64 reader does), refused when `T` cannot
    /// hold it.
    static func unsigned<T: FixedWidthInteger & UnsignedInteger>(_ json: JSONValue, _ name: String, _ cName: String)
        throws -> T
    {
        guard let number = json.wrappingUInt64Value else { throw error("Parameter '\(name)' expects uint64") }
        guard let value = T(exactly: number) else { throw error("Parameter '\(name)' expects \(cName)") }
        return value
    }

    static func signed<T: FixedWidthInteger & SignedInteger>(_ json: JSONValue, _ name: String, _ cName: String)
        throws -> T
    {
        guard let number = json.int64Value else { throw invalidType(name, "integer") }
        guard let value = T(exactly: number) else { throw error("Parameter '\(name)' expects \(cName)") }
        return value
    }

    static func enumeration<T: RawRepresentable>(_ json: JSONValue, _ name: String) throws -> T
    where T.RawValue == String {
        let text = try string(json, name)
        guard let value = T(rawValue: text) else {
            throw error("Parameter '\(name)' does not accept value '\(text)'")
        }
        return value
    }
}
