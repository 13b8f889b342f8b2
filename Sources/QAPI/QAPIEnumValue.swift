/// One value of an enum, as declared in the schema.
public struct QAPIEnumValue: Sendable, Hashable {
    /// The value as it appears on the wire.
    public let name: String
    /// Features such as `unstable`.
    public let features: [String]
    /// The value's documentation, if the schema gives one.
    public let doc: String?

    init(name: String, features: [String], doc: String?) {
        self.name = name
        self.features = features
        self.doc = doc
    }
}
