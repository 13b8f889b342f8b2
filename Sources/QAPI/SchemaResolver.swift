/// Resolves the definitions of all schema files into one ``TypeTable`` plus the commands and events.
///
/// Every check that needs more than one entry happens here: duplicate names, unknown types, struct bases,
/// member clashes, union discriminators and branches, alternate branches that JSON cannot tell apart.
struct SchemaResolver {
    var table = TypeTable()
    var commands: [QAPICommand] = []
    var events: [QAPIEvent] = []
    /// `q_empty`: the arguments of commands without `data`, the data of events without it, and the
    /// return type of commands that return `{}`.
    let emptyType: Int
    /// Type definitions by name.
    private(set) var typeDefinitions: [String: Definition] = [:]
    /// Object types whose members are being resolved now (to catch base cycles).
    private var inProgress: Set<String> = []
    /// Object types whose members are resolved.
    private var finished: Set<String> = []

    init() {
        for builtin in QAPIBuiltin.allCases {
            _ = table.add(.builtin(builtin))
        }
        emptyType = table.add(.object(ObjectType(name: "q_empty", members: [], isImplicit: true)))
    }

    /// Resolves `definitions` (all files, in load order).
    mutating func resolve(_ definitions: [Definition]) throws(QAPISchemaError) {
        try checkUniqueNames(definitions)
        let types = definitions.filter(\.isType)
        for definition in types {
            typeDefinitions[definition.name] = definition
            try register(definition)
        }
        for definition in types {
            try complete(definition)
        }
        for definition in definitions {
            try resolveEntity(definition)
        }
    }

    private func checkUniqueNames(_ definitions: [Definition]) throws(QAPISchemaError) {
        var seen: [String: Definition] = [:]
        for definition in definitions {
            if let earlier = seen[definition.name] {
                throw definition.error("name already used by \(earlier.location) in \(earlier.file)")
            }
            seen[definition.name] = definition
        }
    }

    /// Adds a type under its name: enums completely, objects and alternates as placeholders.
    private mutating func register(_ definition: Definition) throws(QAPISchemaError) {
        switch definition.body {
        case .enumeration(let values):
            let type = EnumType(name: definition.name, values: values, features: definition.features, doc: definition.doc)
            if type.valueNames.count != values.count { throw definition.error("duplicate value") }
            _ = table.add(.enumeration(type))
        case .alternate:
            let placeholder = AlternateType(name: definition.name, branches: [], branchByKind: [:], features: [], doc: nil)
            _ = table.add(.alternate(placeholder))
        default:
            _ = table.add(.object(ObjectType(name: definition.name, members: [], isImplicit: false)))
        }
    }

    /// Fills in a registered placeholder.
    private mutating func complete(_ definition: Definition) throws(QAPISchemaError) {
        switch definition.body {
        case .alternate(let branches):
            try completeAlternate(definition, branches: branches)
        case .structure, .union:
            _ = try objectType(definition.name, for: definition)
        default:
            break
        }
    }

    // MARK: - Type references

    /// The table index for a type expression used by `definition`; `context` prefixes errors.
    mutating func typeIndex(_ expression: TypeExpression, in definition: Definition, context: String)
        throws(QAPISchemaError) -> Int
    {
        let name = expression.baseName
        guard QAPIBuiltin(rawValue: name) != nil || typeDefinitions[name] != nil, let element = table.index(named: name)
        else {
            throw definition.error("\(context)unknown type '\(name)'")
        }
        guard case .array = expression else { return element }
        return arrayType(of: element)
    }

    /// `[T]` for the element at `element`, added on first use. An integer element also adds `[int]`,
    /// the name introspection reports for every integer array.
    private mutating func arrayType(of element: Int) -> Int {
        let name = "[\(table[element].name)]"
        if let existing = table.index(named: name) { return existing }
        if case .builtin(let builtin) = table[element], builtin.isInteger, builtin != .int,
            let int = table.index(named: "int")
        {
            _ = arrayType(of: int)
        }
        return table.add(.array(name: name, element: element))
    }

    /// Resolves member types; errors name the member.
    mutating func resolveMembers(_ members: [QAPIMember], in definition: Definition) throws(QAPISchemaError)
        -> [ObjectType.Member]
    {
        var resolved: [ObjectType.Member] = []
        for member in members {
            let type = try typeIndex(member.typeExpression, in: definition, context: "member '\(member.name)': ")
            resolved.append(
                ObjectType.Member(
                    name: member.name, type: type, isOptional: member.isOptional, features: member.features,
                    doc: member.doc, defaultValue: member.defaultValue))
        }
        return resolved
    }

    // MARK: - Objects

    /// The finished object type called `name`, resolving it (and its base) first if needed.
    /// `user` is the definition that refers to it, for errors.
    mutating func objectType(_ name: String, for user: Definition) throws(QAPISchemaError) -> ObjectType {
        guard let index = table.index(named: name), let definition = typeDefinitions[name],
            let placeholder = table.object(index)
        else {
            throw user.error("'\(name)' is not a struct or union")
        }
        if finished.contains(name) { return placeholder }
        if inProgress.contains(name) { throw definition.error("its base refers back to itself") }
        inProgress.insert(name)
        let type = try buildObject(definition)
        table.replace(index, with: .object(type))
        inProgress.remove(name)
        finished.insert(name)
        return type
    }

    private mutating func buildObject(_ definition: Definition) throws(QAPISchemaError) -> ObjectType {
        switch definition.body {
        case .structure(let base, let own):
            var members: [ObjectType.Member] = []
            if let base { members = try structMembers(base, for: definition) }
            members += try resolveMembers(own, in: definition)
            try checkDistinct(members, in: definition)
            return ObjectType(
                name: definition.name, members: members, features: definition.features, doc: definition.doc,
                isImplicit: false)
        case .union(let union):
            return try buildUnion(definition, union)
        default:
            throw definition.error("is not a struct or union")
        }
    }

    /// The members of the struct `name` used as a base: a struct, not a union.
    private mutating func structMembers(_ name: String, for user: Definition) throws(QAPISchemaError)
        -> [ObjectType.Member]
    {
        let base = try objectType(name, for: user)
        if base.variants != nil { throw user.error("base '\(name)' must be a struct, not a union") }
        return base.members
    }

    func checkDistinct(_ members: [ObjectType.Member], in definition: Definition) throws(QAPISchemaError) {
        var names: Set<String> = []
        for member in members where !names.insert(member.name).inserted {
            throw definition.error("member '\(member.name)' is declared twice (check the base)")
        }
    }

    private mutating func buildUnion(_ definition: Definition, _ union: Definition.Union) throws(QAPISchemaError)
        -> ObjectType
    {
        let base: [ObjectType.Member]
        switch union.base {
        case .named(let name): base = try structMembers(name, for: definition)
        case .members(let members): base = try resolveMembers(members, in: definition)
        }
        try checkDistinct(base, in: definition)
        let tagValues = try discriminatorValues(union.discriminator, base: base, in: definition)
        var branchByValue: [String: Int] = [:]
        for branch in union.branches {
            branchByValue[branch.name] = try unionBranch(branch, values: tagValues, base: base, in: definition)
        }
        let cases = tagValues.map { (value: $0, type: branchByValue[$0] ?? emptyType) }
        let variants = ObjectType.Variants(tag: union.discriminator, cases: cases)
        return ObjectType(
            name: definition.name, members: base, variants: variants, features: definition.features,
            doc: definition.doc, isImplicit: false)
    }

    /// The enum values of the discriminator, which must be a required enum member of the base.
    private func discriminatorValues(_ tag: String, base: [ObjectType.Member], in definition: Definition)
        throws(QAPISchemaError) -> [String]
    {
        guard let member = base.first(where: { $0.name == tag }) else {
            throw definition.error("discriminator '\(tag)' is not a member of the base")
        }
        guard !member.isOptional, case .enumeration(let type) = table[member.type] else {
            throw definition.error("discriminator '\(tag)' must be a required enum member")
        }
        return type.values.map(\.name)
    }

    private mutating func unionBranch(
        _ branch: QAPIMember, values: [String], base: [ObjectType.Member], in definition: Definition
    ) throws(QAPISchemaError) -> Int {
        guard values.contains(branch.name) else {
            throw definition.error("branch '\(branch.name)' is not a value of the discriminator's enum")
        }
        guard case .named(let name) = branch.typeExpression else {
            throw definition.error("branch '\(branch.name)' must name a struct or union")
        }
        let type = try objectType(name, for: definition)
        if let clash = type.members.first(where: { member in base.contains { $0.name == member.name } }) {
            throw definition.error("branch '\(branch.name)' member '\(clash.name)' clashes with the base")
        }
        guard let index = table.index(named: name) else { throw definition.error("unknown type '\(name)'") }
        return index
    }

    // MARK: - Alternates

    private mutating func completeAlternate(_ definition: Definition, branches: [QAPIMember]) throws(QAPISchemaError) {
        guard let index = table.index(named: definition.name) else { return }
        let resolved = try resolveMembers(branches, in: definition)
        var byKind: [JSONKind: Int] = [:]
        for branch in resolved {
            guard let kind = table[branch.type].jsonKind else {
                throw definition.error("branch '\(branch.name)': type '\(table[branch.type].name)' cannot be a branch")
            }
            if byKind[kind] != nil {
                throw definition.error("branch '\(branch.name)' takes a JSON \(kind.rawValue), as an earlier branch does")
            }
            byKind[kind] = branch.type
        }
        let type = AlternateType(
            name: definition.name, branches: resolved, branchByKind: byKind, features: definition.features,
            doc: definition.doc)
        table.replace(index, with: .alternate(type))
    }
}
