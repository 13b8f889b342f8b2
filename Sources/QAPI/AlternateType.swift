/// An alternate: one of several types that differ in JSON kind (`StrOrNull` is a string or null).
struct AlternateType: Sendable {
    let name: String
    /// The branches in schema order; `isOptional` is always false.
    let branches: [ObjectType.Member]
    /// The branch that takes each JSON kind.
    let branchByKind: [JSONKind: Int]
    let features: [String]
    let doc: String?
}
