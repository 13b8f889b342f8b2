import JSON

/// Writes the files of one ``SwiftGenerationPlan``: the plain Swift types (no JSON) and their JSON mapping.
struct SwiftTypesRenderer {
    let table: TypeTable
    let plan: SwiftGenerationPlan

    /// One member of a generated struct, with everything the text needs.
    struct Member {
        let name: String
        let identifier: String
        let kind: SwiftMemberKind
        let isOptional: Bool
        let doc: String?
        let defaultValue: JSONValue?
    }

    /// `(path, text)` of the types file, then of the mapping file.
    func render() throws(QAPISchemaError) -> [(path: String, text: String)] {
        var types: [String] = []
        var mapping: [String] = []
        for entry in plan.entries {
            switch entry.shape {
            case .enumeration:
                let type = try enumType(entry)
                types += enumDeclaration(entry, type)
                mapping += enumMapping(entry)
            case .values:
                let members = try members(of: entry)
                types += try valuesDeclaration(entry, members)
                mapping += try valuesMapping(entry, members)
            case .update(let target):
                let members = try members(of: entry)
                types += try updateDeclaration(entry, members, target: target)
                mapping += updateMapping(entry, members)
            case .tuple:
                mapping += try tupleMapping(entry, try members(of: entry))
            }
        }
        let imports = (["JSON", plan.typesModule, "QAPI"] + plan.jsonImports).sorted().map { "import \($0)" }
        while mapping.last == "" { mapping.removeLast() }
        return [
            (plan.typesPath, SwiftSource.header + "\n" + types.joined(separator: "\n") + "\n"),
            (plan.jsonPath, SwiftSource.header + "\n" + (imports + [""] + mapping).joined(separator: "\n") + "\n"),
        ]
    }

    // MARK: - Reading the schema

    private func error(_ entry: SwiftGenerationPlan.Entry, _ message: String) -> QAPISchemaError {
        QAPISchemaError(file: "SwiftGenerationPlan", entry: "type '\(entry.schemaName)'", message: message)
    }

    private func enumType(_ entry: SwiftGenerationPlan.Entry) throws(QAPISchemaError) -> EnumType {
        guard let index = table.index(named: entry.schemaName), case .enumeration(let type) = table[index] else {
            throw error(entry, "is not an enum of the schema")
        }
        return type
    }

    private func objectType(_ entry: SwiftGenerationPlan.Entry) throws(QAPISchemaError) -> ObjectType {
        guard let index = table.index(named: entry.schemaName), let type = table.object(index), type.variants == nil
        else {
            throw error(entry, "is not a struct of the schema")
        }
        return type
    }

    private func members(of entry: SwiftGenerationPlan.Entry) throws(QAPISchemaError) -> [Member] {
        var members: [Member] = []
        for member in try objectType(entry).members {
            guard let kind = SwiftMemberKind.of(member.type, in: table, plan: plan) else {
                throw error(entry, "member '\(member.name)': type '\(table[member.type].name)' has no generated Swift type")
            }
            members.append(
                Member(
                    name: member.name, identifier: SwiftNames.escaped(SwiftNames.identifier(member.name)), kind: kind,
                    isOptional: member.isOptional, doc: member.doc, defaultValue: member.defaultValue))
        }
        return members
    }

    /// The documentation of the member `name` in the `.update` entry that applies to `entry`, which documents
    /// the members of a `.values` struct better than its "See ..." lines.
    private func updateDoc(for entry: SwiftGenerationPlan.Entry, member name: String) -> String? {
        guard let update = plan.entries.first(where: { $0.shape == .update(appliesTo: entry.schemaName) }),
            let index = table.index(named: update.schemaName), let type = table.object(index)
        else { return nil }
        return type.members.first { $0.name == name }?.doc
    }

    private func typeDoc(_ entry: SwiftGenerationPlan.Entry, _ doc: String?) -> [String] {
        SwiftSource.doc("QAPI `\(entry.schemaName)`: " + (doc ?? ""), indent: "")
    }

    // MARK: - Plain types

    private func enumDeclaration(_ entry: SwiftGenerationPlan.Entry, _ type: EnumType) -> [String] {
        var lines = typeDoc(entry, type.doc)
        lines.append("\(plan.access) enum \(entry.swiftName): String, CaseIterable, Sendable, Hashable {")
        for value in type.values {
            if let doc = value.doc { lines += SwiftSource.doc(doc, indent: "    ") }
            let identifier = SwiftNames.escaped(SwiftNames.identifier(value.name))
            let raw = SwiftNames.identifier(value.name) == value.name ? "" : " = \(SwiftSource.stringLiteral(value.name))"
            lines.append("    case \(identifier)\(raw)")
        }
        lines += [
            "", "    /// The QAPI spelling, e.g. `\(type.values[type.values.count - 1].name)`.",
            "    \(plan.access) var name: String { rawValue }", "}", "",
        ]
        return lines
    }

    private func valuesDeclaration(_ entry: SwiftGenerationPlan.Entry, _ members: [Member]) throws(QAPISchemaError)
        -> [String]
    {
        var lines = typeDoc(entry, try objectType(entry).doc)
        lines.append("\(plan.access) struct \(entry.swiftName): Sendable, Equatable {")
        for member in members {
            guard let value = member.defaultValue, let literal = member.kind.literal(value) else {
                throw error(entry, "member '\(member.name)': a member of a values struct needs a 'default' of its type")
            }
            let doc = updateDoc(for: entry, member: member.name) ?? member.doc ?? ""
            lines += SwiftSource.doc("`\(member.name)`: \(doc)", indent: "    ")
            lines.append("    \(plan.access) var \(member.identifier): \(member.kind.swiftType) = \(literal)")
        }
        lines += ["", "    /// Every member at its default.", "    \(plan.access) init() {}", "}", ""]
        return lines
    }

    private func updateDeclaration(_ entry: SwiftGenerationPlan.Entry, _ members: [Member], target: String)
        throws(QAPISchemaError) -> [String]
    {
        guard let targetEntry = plan.entry(target), targetEntry.shape == .values,
            let targetMembers = try? self.members(of: targetEntry)
        else {
            throw error(entry, "'\(target)' is not a values struct of the plan")
        }
        var lines = typeDoc(entry, try objectType(entry).doc)
        lines.append("\(plan.access) struct \(entry.swiftName): Sendable, Equatable {")
        for member in members {
            guard member.isOptional else { throw error(entry, "member '\(member.name)' of an update must be optional") }
            guard targetMembers.contains(where: { $0.name == member.name && $0.kind.swiftType == member.kind.swiftType })
            else {
                throw error(entry, "member '\(member.name)' has no member of the same Swift type in '\(target)'")
            }
            lines += SwiftSource.doc("`\(member.name)`, nil leaves it unchanged: \(member.doc ?? "")", indent: "    ")
            lines.append("    \(plan.access) var \(member.identifier): \(member.kind.swiftType)?")
        }
        lines += [
            "", "    /// An update that changes nothing.", "    \(plan.access) init() {}", "",
            "    /// Writes every member that is set into `target`.",
            "    func apply(to target: inout \(targetEntry.swiftName)) {",
        ]
        lines += members.map { "        if let \($0.identifier) { target.\($0.identifier) = \($0.identifier) }" }
        lines += ["    }", "}", ""]
        return lines
    }

    // MARK: - JSON mapping

    private func enumMapping(_ entry: SwiftGenerationPlan.Entry) -> [String] {
        [
            "extension \(entry.swiftName) {",
            "    /// The value `json` names; an error names `member`.",
            "    init(qapi json: JSONValue, member: String) throws {",
            "        self = try QAPIDecoding.enumeration(json, member)",
            "    }", "",
            "    /// The value as JSON.",
            "    var qapiJSON: JSONValue { .string(rawValue) }",
            "}", "",
        ]
    }

    /// `members` in the entry's ``SwiftGenerationPlan/Entry/wireOrder``, which must name each exactly once.
    private func wireOrdered(_ entry: SwiftGenerationPlan.Entry, _ members: [Member]) throws(QAPISchemaError) -> [Member] {
        guard let order = entry.wireOrder else { return members }
        let ordered = order.compactMap { name in members.first { $0.name == name } }
        guard ordered.count == members.count, Set(order).count == order.count else {
            throw error(entry, "wireOrder must name every member once")
        }
        return ordered
    }

    private func valuesMapping(_ entry: SwiftGenerationPlan.Entry, _ members: [Member]) throws(QAPISchemaError)
        -> [String]
    {
        var lines = [
            "extension \(entry.swiftName) {",
            "    /// The `\(entry.schemaName)` object, members in schema order.",
            "    var qapiJSON: JSONValue {",
            "        [",
        ]
        lines += try wireOrdered(entry, members).map { "            \"\($0.name)\": \($0.kind.encodeExpression($0.identifier))," }
        lines += ["        ]", "    }", "}", ""]
        return lines
    }

    private func updateMapping(_ entry: SwiftGenerationPlan.Entry, _ members: [Member]) -> [String] {
        var lines = [
            "extension \(entry.swiftName) {",
            "    /// The update a `\(entry.schemaName)` object asks for. Every value is checked here too (type and range,",
            "    /// with QEMU's texts), not only by the schema check before it.",
            "    init(qapi arguments: JSONObject) throws {",
            "        self.init()",
            "        for (name, value) in arguments {",
            "            switch name {",
        ]
        lines += members.map {
            "            case \"\($0.name)\": \($0.identifier) = \($0.kind.decodeExpression(value: "value", name: "name"))"
        }
        lines += ["            default: throw QAPIDecoding.unexpected(name)", "            }", "        }", "    }", "}", ""]
        return lines
    }

    private func tupleMapping(_ entry: SwiftGenerationPlan.Entry, _ members: [Member]) throws(QAPISchemaError)
        -> [String]
    {
        guard members.count > 1, members.allSatisfy({ !$0.isOptional }) else {
            throw error(entry, "a tuple needs two or more members, none optional")
        }
        let tuple = "(" + members.map { "\($0.identifier): \($0.kind.swiftType)" }.joined(separator: ", ") + ")"
        let encoded = try wireOrdered(entry, members)
        var lines = [
            "/// QAPI `\(entry.schemaName)` as the tuple `\(tuple)`.",
            "enum \(entry.swiftName)JSON {",
            "    /// The `\(entry.schemaName)` object.",
            "    static func json(_ value: \(tuple)) -> JSONValue {",
            "        [" + encoded.map { "\"\($0.name)\": \($0.kind.encodeExpression("value." + $0.identifier))" }
                .joined(separator: ", ") + "]",
            "    }", "",
            "    /// The tuple a `\(entry.schemaName)` object holds.",
            "    static func decode(_ json: JSONValue) throws -> \(tuple) {",
            "        let object = try QAPIDecoding.object(json, \"\(entry.schemaName)\")",
        ]
        lines += members.map { "        var \($0.identifier): \($0.kind.swiftType)?" }
        lines += ["        for (name, value) in object {", "            switch name {"]
        lines += members.map {
            "            case \"\($0.name)\": \($0.identifier) = \($0.kind.decodeExpression(value: "value", name: "name"))"
        }
        lines += ["            default: throw QAPIDecoding.unexpected(name)", "            }", "        }"]
        lines += members.map { "        guard let \($0.identifier) else { throw QAPIDecoding.missing(\"\($0.name)\") }" }
        lines += ["        return (" + members.map(\.identifier).joined(separator: ", ") + ")", "    }", "}", ""]
        return lines
    }
}

extension QAPISchema {
    /// The files of `plan`, relative to the package root: the plain Swift types, then their JSON mapping.
    package func swiftSources(plan: SwiftGenerationPlan) throws(QAPISchemaError) -> [(path: String, text: String)] {
        try SwiftTypesRenderer(table: table, plan: plan).render()
    }
}
