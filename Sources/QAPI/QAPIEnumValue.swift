/// One value of an enum, as declared in the schema.
package struct QAPIEnumValue: Sendable, Hashable {
    /// The value as it appears on the wire.
    package let name: String
    /// Features such as `unstable`.
    package let features: [String]
    /// The value's documentation, if the schema gives one.
    package let doc: String?

    init(name: String, features: [String], doc: String?) {
        self.name = name
        self.features = features
        self.doc = doc
    }
}
