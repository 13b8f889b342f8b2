/// The parsed arguments of one HMP command, by their keys in the command's signature.
struct HMPArguments: Sendable, Equatable {
    private var strings: [String: String] = [:]
    private var flags: [String: Bool] = [:]

    /// Stores a text argument.
    mutating func set(_ key: String, string: String) { strings[key] = string }

    /// Stores a flag or on/off argument.
    mutating func set(_ key: String, bool: Bool) { flags[key] = bool }

    /// The text argument `key`, or nil when it was optional and not given.
    func string(_ key: String) -> String? { strings[key] }

    /// The text argument `key`; empty when absent (only for arguments the parser guarantees).
    func requiredString(_ key: String) -> String { strings[key] ?? "" }

    /// The flag or on/off argument `key`; false when absent.
    func bool(_ key: String) -> Bool { flags[key] ?? false }
}
