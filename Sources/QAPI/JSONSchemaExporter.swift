import JSON

/// Writes JSON Schemas (draft 2020-12) that accept exactly what ``ValueValidator`` accepts, so an independent
/// validator can cross-check ours.
///
/// Named types become `$defs` entries referenced with `$ref`; builtins, arrays and implicit objects are
/// written inline. A union is an object whose `oneOf` has one subschema per tag value, each pinning the tag
/// with `const` and adding the branch's members; `unevaluatedProperties: false` then closes the union over
/// its base and the selected branch (nested unions included). An alternate is an `anyOf` of its branches,
/// which take different JSON types. One known difference remains: JSON Schema counts `2.0` as an integer,
/// QEMU (and ``ValueValidator``) do not.
struct JSONSchemaExporter {
    static let dialect = "https://json-schema.org/draft/2020-12/schema"

    let table: TypeTable

    /// A standalone schema for the object type at `root` (a command's arguments or an event's data).
    func document(root: Int, title: String, description: String) -> JSONValue {
        var references = References()
        var document: JSONObject = [
            "$schema": .string(Self.dialect), "title": .string(title), "description": .string(description),
        ]
        if let object = table.object(root) {
            document.merge(objectSchema(object, closed: true, references: &references)) { _, new in new }
        }
        var definitions: JSONObject = [:]
        var next = 0
        while next < references.order.count {
            let index = references.order[next]
            definitions[table[index].name] = .object(definition(index, references: &references))
            next += 1
        }
        if !definitions.isEmpty { document["$defs"] = .object(definitions) }
        return .object(document)
    }

    /// The named types a document refers to, in order of first reference.
    private struct References {
        private(set) var order: [Int] = []
        private var seen: Set<Int> = []

        mutating func add(_ index: Int) {
            if seen.insert(index).inserted { order.append(index) }
        }
    }

    /// The schema where a value of the type at `index` is used.
    private func use(_ index: Int, references: inout References) -> JSONObject {
        switch table[index] {
        case .builtin(let builtin):
            return builtinSchema(builtin)
        case .array(_, let element):
            return ["type": "array", "items": .object(use(element, references: &references))]
        case .object(let object) where object.isImplicit:
            return objectSchema(object, closed: true, references: &references)
        default:
            references.add(index)
            return ["$ref": .string("#/$defs/\(table[index].name)")]
        }
    }

    /// The `$defs` entry of a named type.
    private func definition(_ index: Int, references: inout References) -> JSONObject {
        switch table[index] {
        case .enumeration(let type):
            return described(["enum": .array(type.values.map { .string($0.name) })], type.doc)
        case .object(let type):
            return described(objectSchema(type, closed: true, references: &references), type.doc)
        case .alternate(let type):
            var branches: [JSONValue] = []
            for branch in type.branches { branches.append(.object(use(branch.type, references: &references))) }
            return described(["anyOf": .array(branches)], type.doc)
        default:
            return use(index, references: &references)
        }
    }

    /// An object's members, required list and union branches; `closed` forbids undeclared members
    /// (set for a value's own schema, not for a union branch merged into its union).
    private func objectSchema(_ type: ObjectType, closed: Bool, references: inout References) -> JSONObject {
        var properties: JSONObject = [:]
        for member in type.members {
            properties[member.name] = .object(described(use(member.type, references: &references), member.doc))
        }
        var schema: JSONObject = ["type": "object", "properties": .object(properties)]
        let required = type.members.filter { !$0.isOptional }.map { JSONValue.string($0.name) }
        if !required.isEmpty { schema["required"] = .array(required) }
        if let variants = type.variants {
            var branches: [JSONValue] = []
            for variant in variants.cases {
                branches.append(.object(branchSchema(variants.tag, variant.value, variant.type, references: &references)))
            }
            schema["oneOf"] = .array(branches)
        }
        if closed && !type.allowsExtraMembers {
            schema[type.variants == nil ? "additionalProperties" : "unevaluatedProperties"] = false
        }
        return schema
    }

    /// One union branch: the tag pinned to `value`, plus the branch type's members (open).
    private func branchSchema(_ tag: String, _ value: String, _ index: Int, references: inout References)
        -> JSONObject
    {
        var schema = table.object(index).map { objectSchema($0, closed: false, references: &references) } ?? [:]
        var properties: JSONObject = [tag: ["const": .string(value)]]
        for (name, property) in schema["properties"]?.objectValue ?? [:] { properties[name] = property }
        schema["properties"] = .object(properties)
        return schema
    }

    private func builtinSchema(_ builtin: QAPIBuiltin) -> JSONObject {
        if let range = builtin.integerRange {
            return ["type": "integer", "minimum": .int(range.min), "maximum": .integer(range.max)]
        }
        switch builtin {
        case .str: return ["type": "string"]
        case .bool: return ["type": "boolean"]
        case .number: return ["type": "number"]
        case .null: return ["type": "null"]
        default: return [:]
        }
    }

    private func described(_ schema: JSONObject, _ doc: String?) -> JSONObject {
        guard let doc else { return schema }
        var schema = schema
        schema["description"] = .string(doc)
        return schema
    }
}
