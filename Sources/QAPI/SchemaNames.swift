/// The spelling rules for names in schema files (QAPI's conventions, enforced).
enum SchemaNames {
    /// Commands, members, enum values and features: lower case, digits, `-` and `_`, starting with a letter
    /// (`migrate-set-parameters`, `device_add`, `x-checkpoint-delay`).
    static func isLowerName(_ name: String) -> Bool {
        matches(name, first: isLower) { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Events: upper case, digits and `_` (`MIGRATION_PASS`).
    static func isEventName(_ name: String) -> Bool {
        matches(name, first: isUpper) { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// Types: CamelCase letters and digits, starting upper case (`MigrationInfo`). Names starting with `q_`
    /// are therefore free for the implicit types (`q_obj_migrate-arg`, `q_empty`).
    static func isTypeName(_ name: String) -> Bool {
        matches(name, first: isUpper) { isUpper($0) || isLower($0) || isDigit($0) }
    }

    private static func matches(_ name: String, first: (UInt8) -> Bool, rest: (UInt8) -> Bool) -> Bool {
        var bytes = name.utf8.makeIterator()
        guard let head = bytes.next(), first(head) else { return false }
        while let byte = bytes.next() {
            if !rest(byte) { return false }
        }
        return true
    }

    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
