extension SchemaResolver {
    /// Resolves a command or an event; type definitions were resolved before.
    mutating func resolveEntity(_ definition: Definition) throws(QAPISchemaError) {
        switch definition.body {
        case .command(let command):
            commands.append(try resolveCommand(definition, command))
        case .event(let data):
            let (type, members) = try dataType(data, implicitName: "q_obj_\(definition.name)-arg", in: definition)
            events.append(
                QAPIEvent(
                    name: definition.name, file: definition.file, since: definition.since, doc: definition.doc,
                    features: definition.features, data: members, examples: definition.examples, dataType: type))
        default:
            break
        }
    }

    private mutating func resolveCommand(_ definition: Definition, _ command: Definition.Command)
        throws(QAPISchemaError) -> QAPICommand
    {
        if command.allowsExtraArguments, case .named = command.data {
            throw definition.error("'gen': false needs the arguments written inline in 'data'")
        }
        let (arguments, members) = try dataType(
            command.data, implicitName: "q_obj_\(definition.name)-arg", in: definition,
            allowsExtraMembers: command.allowsExtraArguments)
        var returnType = emptyType
        if let returns = command.returns {
            returnType = try typeIndex(returns, in: definition, context: "'returns': ")
        }
        return QAPICommand(
            name: definition.name, file: definition.file, since: definition.since, doc: definition.doc,
            features: definition.features, allowOOB: command.allowOOB,
            allowsExtraArguments: command.allowsExtraArguments, arguments: members,
            returns: command.returns?.description, examples: definition.examples, argumentType: arguments,
            returnType: returnType)
    }

    /// The object type of a command's arguments or an event's data, and its declared members.
    ///
    /// Inline members become the implicit type `implicitName` (QEMU's `q_obj_NAME-arg`); a named struct
    /// is used as it is; no data at all is `q_empty`.
    private mutating func dataType(
        _ data: Definition.Data?, implicitName: String, in definition: Definition, allowsExtraMembers: Bool = false
    ) throws(QAPISchemaError) -> (type: Int, members: [QAPIMember]) {
        switch data {
        case nil:
            return (emptyType, [])
        case .named(let name):
            _ = try objectType(name, for: definition)
            guard let index = table.index(named: name) else { throw definition.error("unknown type '\(name)'") }
            return (index, declaredMembers(of: name))
        case .members(let members):
            let resolved = try resolveMembers(members, in: definition)
            let type = ObjectType(
                name: implicitName, members: resolved, allowsExtraMembers: allowsExtraMembers, isImplicit: true)
            return (table.add(.object(type)), members)
        }
    }

    /// The members of the struct or union `name` as declared, base members first.
    private func declaredMembers(of name: String) -> [QAPIMember] {
        guard let definition = typeDefinitions[name] else { return [] }
        switch definition.body {
        case .structure(let base, let members):
            return (base.map(declaredMembers(of:)) ?? []) + members
        case .union(let union):
            switch union.base {
            case .named(let baseName): return declaredMembers(of: baseName)
            case .members(let members): return members
            }
        default:
            return []
        }
    }
}
