import JSON

extension EntryReader {
    /// Parses a member list: `{"uri": "str", "*detach": "bool", "*x": {"type": "uint32", "features": [...], "doc": "...", "default": 20}}`.
    ///
    /// `optionalAllowed` is false for alternate and union branches, which cannot be optional.
    func members(_ value: JSONValue, key: String, optionalAllowed: Bool = true) throws(QAPISchemaError)
        -> [QAPIMember]
    {
        guard case .object(let entries) = value else { throw error("'\(key)' must be an object of members") }
        var members: [QAPIMember] = []
        for (rawName, spec) in entries {
            let isOptional = rawName.hasPrefix("*")
            let name = isOptional ? String(rawName.dropFirst()) : rawName
            guard SchemaNames.isLowerName(name) else { throw error("invalid member name '\(rawName)'") }
            if isOptional && !optionalAllowed { throw error("'\(key)' member '\(name)' cannot be optional") }
            members.append(try member(name: name, isOptional: isOptional, spec: spec))
        }
        return members
    }

    /// Parses a type expression: `"str"`, `"MigrationInfo"` or `["MigrationChannel"]`.
    func typeExpression(_ value: JSONValue, context: String) throws(QAPISchemaError) -> TypeExpression {
        switch value {
        case .string(let name) where !name.isEmpty:
            return .named(name)
        case .array(let elements):
            guard elements.count == 1, case .string(let name) = elements[0], !name.isEmpty else {
                throw error("\(context): an array type must hold exactly one type name")
            }
            return .array(of: name)
        default:
            throw error("\(context): a type must be a type name or a one-element array")
        }
    }

    /// Reads `key` as a struct name or an inline member list.
    mutating func data(_ key: String) throws(QAPISchemaError) -> Definition.Data? {
        guard let value = value(key) else { return nil }
        if case .string(let name) = value { return .named(name) }
        return .members(try members(value, key: key))
    }

    private func member(name: String, isOptional: Bool, spec: JSONValue) throws(QAPISchemaError) -> QAPIMember {
        let context = "member '\(name)'"
        guard case .object(let fields) = spec else {
            let type = try typeExpression(spec, context: context)
            return QAPIMember(name: name, isOptional: isOptional, type: type, features: [], doc: nil)
        }
        var reader = EntryReader(object: fields, file: file, location: "\(location): \(context)")
        guard let typeValue = reader.value("type") else { throw reader.error("'type' is missing") }
        let type = try typeExpression(typeValue, context: context)
        let features = try reader.strings("features", isValid: SchemaNames.isLowerName)
        let doc = try reader.optionalString("doc")
        let defaultValue = reader.value("default")
        try reader.finish()
        return QAPIMember(
            name: name, isOptional: isOptional, type: type, features: features, doc: doc, defaultValue: defaultValue)
    }
}
