import JSON

/// One member of a struct, of a command's arguments or of an event's data, as declared in the schema.
package struct QAPIMember: Sendable, Hashable {
    /// The member's name without the `*` that marks it optional.
    package let name: String
    /// Whether the member may be absent (`"*name"` in the schema).
    package let isOptional: Bool
    /// Features such as `unstable`.
    package let features: [String]
    /// The member's documentation, if the schema gives one.
    package let doc: String?
    /// The value a member of a struct holds until something sets it (`"default"`), if the schema gives one.
    /// Introspection leaves it out, as QEMU's does; the reference and the generated Swift types use it.
    package let defaultValue: JSONValue?
    /// The declared type.
    let typeExpression: TypeExpression

    /// The declared type as the schema spells it: `str`, `uint8`, `MigrationStatus`, `[MigrationChannel]`.
    package var type: String { typeExpression.description }

    init(
        name: String, isOptional: Bool, type: TypeExpression, features: [String], doc: String?,
        defaultValue: JSONValue? = nil
    ) {
        self.name = name
        self.isOptional = isOptional
        self.typeExpression = type
        self.features = features
        self.doc = doc
        self.defaultValue = defaultValue
    }
}
