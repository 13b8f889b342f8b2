import JSON

/// Builds the SchemaInfo list that `query-qmp-schema` returns, laid out as QEMU's introspection generator
/// does: the commands, then the events, then every type they reach, each once, in order of first use.
/// Integer types of every width appear as `int` (and their arrays as `[int]`), as in QEMU.
struct IntrospectionBuilder {
    let table: TypeTable
    private var queue: [Int] = []
    private var queued: Set<Int> = []

    init(table: TypeTable) {
        self.table = table
    }

    /// The SchemaInfo entries for `commands` and `events` and the types they use.
    mutating func build(commands: [QAPICommand], events: [QAPIEvent]) -> JSONValue {
        var entries: [JSONValue] = []
        for command in commands { entries.append(entry(for: command)) }
        for event in events { entries.append(entry(for: event)) }
        var next = 0
        while next < queue.count {
            entries.append(entry(forType: queue[next]))
            next += 1
        }
        return .array(entries)
    }

    /// The name introspection uses for the type at `index`; queues the type for an entry of its own.
    private mutating func use(_ index: Int) -> JSONValue {
        let canonical = canonicalIndex(index)
        if queued.insert(canonical).inserted { queue.append(canonical) }
        return .string(table[canonical].name)
    }

    /// `int` for every integer builtin and `[int]` for arrays of them; other types stay as they are.
    private func canonicalIndex(_ index: Int) -> Int {
        switch table[index] {
        case .builtin(let builtin) where builtin.isInteger:
            return table.index(named: "int") ?? index
        case .array(_, let element):
            guard case .builtin(let builtin) = table[element], builtin.isInteger else { return index }
            return table.index(named: "[int]") ?? index
        default:
            return index
        }
    }

    private mutating func entry(for command: QAPICommand) -> JSONValue {
        var object = header(command.name, "command")
        object["arg-type"] = use(command.argumentType)
        object["ret-type"] = use(command.returnType)
        if command.allowOOB { object["allow-oob"] = true }
        return finished(object, features: command.features)
    }

    private mutating func entry(for event: QAPIEvent) -> JSONValue {
        var object = header(event.name, "event")
        object["arg-type"] = use(event.dataType)
        return finished(object, features: event.features)
    }

    private mutating func entry(forType index: Int) -> JSONValue {
        switch table[index] {
        case .builtin(let builtin):
            var object = header(builtin.rawValue, "builtin")
            object["json-type"] = .string(builtin.jsonType)
            return .object(object)
        case .enumeration(let type):
            var object = header(type.name, "enum")
            object["members"] = .array(type.values.map { finished(["name": .string($0.name)], features: $0.features) })
            object["values"] = .array(type.values.map { .string($0.name) })
            return finished(object, features: type.features)
        case .array(let name, let element):
            var object = header(name, "array")
            object["element-type"] = use(element)
            return .object(object)
        case .object(let type):
            return objectEntry(type)
        case .alternate(let type):
            var object = header(type.name, "alternate")
            var members: [JSONValue] = []
            for branch in type.branches { members.append(["type": use(branch.type)]) }
            object["members"] = .array(members)
            return finished(object, features: type.features)
        }
    }

    private mutating func objectEntry(_ type: ObjectType) -> JSONValue {
        var object = header(type.name, "object")
        var members: [JSONValue] = []
        for member in type.members {
            var entry: JSONObject = ["name": .string(member.name), "type": use(member.type)]
            if member.isOptional { entry["default"] = .null }
            members.append(finished(entry, features: member.features))
        }
        object["members"] = .array(members)
        if let variants = type.variants {
            object["tag"] = .string(variants.tag)
            var cases: [JSONValue] = []
            for variant in variants.cases { cases.append(["case": .string(variant.value), "type": use(variant.type)]) }
            object["variants"] = .array(cases)
        }
        return finished(object, features: type.features)
    }

    private func header(_ name: String, _ metaType: String) -> JSONObject {
        ["name": .string(name), "meta-type": .string(metaType)]
    }

    /// Adds `features` when there are any, as QEMU omits an empty list.
    private func finished(_ object: JSONObject, features: [String]) -> JSONValue {
        var object = object
        if !features.isEmpty { object["features"] = .array(features.map { .string($0) }) }
        return .object(object)
    }
}
