/// Every resolved type of a schema, addressed by index; built once, then only read.
struct TypeTable: Sendable {
    private(set) var types: [SchemaType] = []
    private var indexByName: [String: Int] = [:]

    /// The type at `index`.
    subscript(index: Int) -> SchemaType { types[index] }

    /// The index of the type called `name`.
    func index(named name: String) -> Int? { indexByName[name] }

    /// Adds a type whose name is not yet taken and returns its index.
    mutating func add(_ type: SchemaType) -> Int {
        precondition(indexByName[type.name] == nil, "type \(type.name) added twice")
        types.append(type)
        indexByName[type.name] = types.count - 1
        return types.count - 1
    }

    /// Replaces a placeholder by the finished type of the same name.
    mutating func replace(_ index: Int, with type: SchemaType) {
        precondition(types[index].name == type.name)
        types[index] = type
    }

    /// The object type at `index`, or nil when it is not an object.
    func object(_ index: Int) -> ObjectType? {
        if case .object(let type) = types[index] { return type }
        return nil
    }
}
