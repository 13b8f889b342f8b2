/// A resolved type: every reference to another type is an index into the ``TypeTable``.
enum SchemaType: Sendable {
    case builtin(QAPIBuiltin)
    case enumeration(EnumType)
    /// `[T]`; `element` indexes the element type.
    case array(name: String, element: Int)
    /// A struct, a union, or an implicit object (a command's inline arguments, `q_empty`).
    case object(ObjectType)
    case alternate(AlternateType)

    /// The type's name: `str`, `MigrationInfo`, `[str]`, `q_obj_migrate-arg`.
    var name: String {
        switch self {
        case .builtin(let builtin): return builtin.rawValue
        case .enumeration(let type): return type.name
        case .array(let name, _): return name
        case .object(let type): return type.name
        case .alternate(let type): return type.name
        }
    }

    /// The kind of JSON value this type takes; nil for `any`, which takes all of them.
    var jsonKind: JSONKind? {
        switch self {
        case .builtin(let builtin): return builtin.jsonKind
        case .enumeration: return .string
        case .array: return .array
        case .object: return .object
        case .alternate: return nil
        }
    }
}
