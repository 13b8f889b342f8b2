import JSON

/// Turns the text of one schema file into its items. Checks the shape of every entry (keys, value types,
/// name spelling); names are resolved later, across all files, by ``SchemaResolver``.
struct SchemaFileParser {
    /// The keys that say what an entry is; each entry has exactly one.
    static let metaKeys = ["command", "event", "struct", "enum", "alternate", "union", "section"]

    let file: String

    /// Parses `text`, which must be one JSON array of entry objects.
    func parse(_ text: String) throws(QAPISchemaError) -> [SchemaItem] {
        let entries = try topLevelArray(text)
        var items: [SchemaItem] = []
        for (index, entry) in entries.enumerated() {
            let location = "entry #\(index + 1)"
            guard case .object(let object) = entry else {
                throw QAPISchemaError(file: file, entry: location, message: "must be a JSON object")
            }
            items.append(try item(EntryReader(object: object, file: file, location: location)))
        }
        return items
    }

    private func topLevelArray(_ text: String) throws(QAPISchemaError) -> [JSONValue] {
        var decoder = JSONStreamDecoder()
        decoder.feed(Array(text.utf8))
        decoder.finish()
        let first = decoder.next()
        let rest = decoder.next()
        switch (first, rest) {
        case (.value(.array(let entries)), nil):
            return entries
        case (.error(let parseError), _):
            throw QAPISchemaError(file: file, entry: nil, message: "invalid JSON: \(parseError)")
        case (.value, nil):
            throw QAPISchemaError(file: file, entry: nil, message: "must hold one JSON array of entries")
        case (nil, _):
            throw QAPISchemaError(file: file, entry: nil, message: "is empty")
        case (.value, .some):
            throw QAPISchemaError(file: file, entry: nil, message: "has text after its top-level array")
        }
    }

    private func item(_ entry: EntryReader) throws(QAPISchemaError) -> SchemaItem {
        var reader = entry
        let present = Self.metaKeys.filter { reader.object[$0] != nil }
        guard present.count == 1, let kind = present.first else {
            throw reader.error("must have exactly one of the keys \(Self.metaKeys.joined(separator: ", "))")
        }
        let name = try reader.string(kind)
        if kind == "section" {
            let doc = try reader.optionalString("doc")
            try reader.finish()
            return .section(title: name, doc: doc, file: file)
        }
        reader.location = "\(kind) '\(name)'"
        try checkName(name, kind: kind, reader: reader)
        let definition = try self.definition(name: name, kind: kind, reader: &reader)
        try reader.finish()
        return .definition(definition)
    }

    private func checkName(_ name: String, kind: String, reader: EntryReader) throws(QAPISchemaError) {
        let valid: Bool
        switch kind {
        case "command": valid = SchemaNames.isLowerName(name)
        case "event": valid = SchemaNames.isEventName(name)
        default: valid = SchemaNames.isTypeName(name) && QAPIBuiltin(rawValue: name) == nil
        }
        if !valid { throw reader.error("invalid \(kind) name") }
    }

    private func definition(name: String, kind: String, reader: inout EntryReader) throws(QAPISchemaError)
        -> Definition
    {
        let since = try reader.string("since")
        let doc = try reader.string("doc")
        let features = try reader.strings("features", isValid: SchemaNames.isLowerName)
        let examples = try reader.strings("examples")
        let body = try self.body(kind: kind, reader: &reader)
        return Definition(
            name: name, file: file, since: since, doc: doc, features: features, examples: examples, body: body)
    }

    private func body(kind: String, reader: inout EntryReader) throws(QAPISchemaError) -> Definition.Body {
        switch kind {
        case "command":
            return .command(try command(&reader))
        case "event":
            return .event(data: try reader.data("data"))
        case "struct":
            let base = try reader.optionalString("base")
            return .structure(base: base, members: try reader.members(required(&reader, "data"), key: "data"))
        case "enum":
            return .enumeration(try enumValues(required(&reader, "data"), reader: reader))
        case "alternate":
            return .alternate(try reader.members(required(&reader, "data"), key: "data", optionalAllowed: false))
        default:
            return .union(try union(&reader))
        }
    }

    private func required(_ reader: inout EntryReader, _ key: String) throws(QAPISchemaError) -> JSONValue {
        guard let value = reader.value(key) else { throw reader.error("'\(key)' is missing") }
        return value
    }

    private func command(_ reader: inout EntryReader) throws(QAPISchemaError) -> Definition.Command {
        let data = try reader.data("data")
        var returns: TypeExpression? = nil
        if let value = reader.value("returns") {
            returns = try reader.typeExpression(value, context: "'returns'")
        }
        let allowOOB = try reader.bool("allow-oob", default: false)
        let generated = try reader.bool("gen", default: true)
        return Definition.Command(data: data, returns: returns, allowOOB: allowOOB, allowsExtraArguments: !generated)
    }

    private func union(_ reader: inout EntryReader) throws(QAPISchemaError) -> Definition.Union {
        guard let base = try reader.data("base") else { throw reader.error("'base' is missing") }
        let discriminator = try reader.string("discriminator")
        let branches = try reader.members(required(&reader, "data"), key: "data", optionalAllowed: false)
        return Definition.Union(base: base, discriminator: discriminator, branches: branches)
    }

    private func enumValues(_ value: JSONValue, reader: EntryReader) throws(QAPISchemaError) -> [QAPIEnumValue] {
        guard case .array(let elements) = value, !elements.isEmpty else {
            throw reader.error("'data' must be a non-empty array of values")
        }
        var values: [QAPIEnumValue] = []
        for element in elements {
            let parsed = try enumValue(element, reader: reader)
            guard SchemaNames.isLowerName(parsed.name) else { throw reader.error("invalid value '\(parsed.name)'") }
            values.append(parsed)
        }
        return values
    }

    /// `"oob"` or `{"name": "x-colo", "features": ["unstable"], "doc": "..."}`.
    private func enumValue(_ element: JSONValue, reader: EntryReader) throws(QAPISchemaError) -> QAPIEnumValue {
        switch element {
        case .string(let name):
            return QAPIEnumValue(name: name, features: [], doc: nil)
        case .object(let fields):
            var valueReader = EntryReader(object: fields, file: file, location: "\(reader.location): value")
            let name = try valueReader.string("name")
            valueReader.location = "\(reader.location): value '\(name)'"
            let features = try valueReader.strings("features", isValid: SchemaNames.isLowerName)
            let doc = try valueReader.optionalString("doc")
            try valueReader.finish()
            return QAPIEnumValue(name: name, features: features, doc: doc)
        default:
            throw reader.error("enum values must be strings or objects")
        }
    }
}
