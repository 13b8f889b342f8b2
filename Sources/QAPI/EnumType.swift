/// An enum: a string that must be one of a fixed set of values.
struct EnumType: Sendable {
    let name: String
    let values: [QAPIEnumValue]
    /// The names in `values`, for the membership check.
    let valueNames: Set<String>
    let features: [String]
    let doc: String?

    init(name: String, values: [QAPIEnumValue], features: [String], doc: String?) {
        self.name = name
        self.values = values
        self.valueNames = Set(values.map(\.name))
        self.features = features
        self.doc = doc
    }
}
