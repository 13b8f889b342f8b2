import JSON

/// Reads the keys of one schema entry and reports the ones nobody asked for.
struct EntryReader {
    let object: JSONObject
    let file: String
    /// How errors name the entry: `entry #3` until its name is known, then `command 'migrate'`.
    var location: String
    private var used: Set<String> = []

    init(object: JSONObject, file: String, location: String) {
        self.object = object
        self.file = file
        self.location = location
    }

    /// An error about this entry.
    func error(_ message: String) -> QAPISchemaError {
        QAPISchemaError(file: file, entry: location, message: message)
    }

    /// The value of `key`, marking it as read.
    mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        return object[key]
    }

    /// A required string.
    mutating func string(_ key: String) throws(QAPISchemaError) -> String {
        guard let text = try optionalString(key) else { throw error("'\(key)' is missing") }
        return text
    }

    /// An optional string; present but not a non-empty string is an error.
    mutating func optionalString(_ key: String) throws(QAPISchemaError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value, !text.isEmpty else {
            throw error("'\(key)' must be a non-empty string")
        }
        return text
    }

    /// An optional boolean flag.
    mutating func bool(_ key: String, default fallback: Bool) throws(QAPISchemaError) -> Bool {
        guard let value = value(key) else { return fallback }
        guard case .bool(let flag) = value else { throw error("'\(key)' must be true or false") }
        return flag
    }

    /// An optional array of strings, each checked by `isValid`.
    mutating func strings(_ key: String, isValid: (String) -> Bool = { !$0.isEmpty }) throws(QAPISchemaError)
        -> [String]
    {
        guard let value = value(key) else { return [] }
        guard case .array(let elements) = value else { throw error("'\(key)' must be an array of strings") }
        var result: [String] = []
        for element in elements {
            guard case .string(let text) = element, isValid(text) else {
                throw error("'\(key)' has an invalid element \(element)")
            }
            result.append(text)
        }
        return result
    }

    /// Fails if the entry has a key that no reader asked for.
    func finish() throws(QAPISchemaError) {
        if let extra = object.keys.first(where: { !used.contains($0) }) {
            throw error("unknown key '\(extra)'")
        }
    }
}
