/// One member of a struct, of a command's arguments or of an event's data, as declared in the schema.
public struct QAPIMember: Sendable, Hashable {
    /// The member's name without the `*` that marks it optional.
    public let name: String
    /// Whether the member may be absent (`"*name"` in the schema).
    public let isOptional: Bool
    /// Features such as `unstable`.
    public let features: [String]
    /// The member's documentation, if the schema gives one.
    public let doc: String?
    /// The declared type.
    let typeExpression: TypeExpression

    /// The declared type as the schema spells it: `str`, `uint8`, `MigrationStatus`, `[MigrationChannel]`.
    public var type: String { typeExpression.description }

    init(name: String, isOptional: Bool, type: TypeExpression, features: [String], doc: String?) {
        self.name = name
        self.isOptional = isOptional
        self.typeExpression = type
        self.features = features
        self.doc = doc
    }
}
