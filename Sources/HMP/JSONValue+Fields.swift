import JSON

/// Field access with the defaults QEMU's C structures have (absent numbers are 0, absent strings empty).
extension JSONValue {
    /// The member `key` as C's `PRIu64` prints it: negative numbers wrap, absent is 0.
    func unsigned(_ key: String) -> UInt64 {
        switch self[key] {
        case .int(let value): return UInt64(bitPattern: value)
        case .uint(let value): return value
        case .double(let value) where value >= 0 && value < 1.8e19: return UInt64(value)
        default: return 0
        }
    }

    /// The member `key` as a floating-point number, 0 when absent.
    func number(_ key: String) -> Double { self[key]?.doubleValue ?? 0 }

    /// The member `key` as a string, empty when absent.
    func text(_ key: String) -> String { self[key]?.stringValue ?? "" }

    /// The member `key` as a boolean, false when absent.
    func flag(_ key: String) -> Bool { self[key]?.boolValue ?? false }

    /// Whether the member `key` is present.
    func has(_ key: String) -> Bool { self[key] != nil }
}
