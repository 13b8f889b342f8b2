import JSON

/// A JSON object type: a struct (its base's members first), a union, or an implicit object type.
struct ObjectType: Sendable {
    /// One member, with its type resolved.
    struct Member: Sendable {
        let name: String
        let type: Int
        let isOptional: Bool
        let features: [String]
        let doc: String?
        /// The schema's `"default"`, if any.
        let defaultValue: JSONValue?
    }

    /// A union's branches, chosen by the value of the `tag` member.
    struct Variants: Sendable {
        /// The discriminator member, one of the base's members (an enum).
        let tag: String
        /// Every value of the tag's enum with its branch type, in enum order; values the schema gives
        /// no branch get `q_empty`, as QEMU does.
        let cases: [(value: String, type: Int)]
        /// `cases` as a lookup table.
        let typeByValue: [String: Int]

        init(tag: String, cases: [(value: String, type: Int)]) {
            self.tag = tag
            self.cases = cases
            var table: [String: Int] = [:]
            for entry in cases { table[entry.value] = entry.type }
            self.typeByValue = table
        }
    }

    let name: String
    let members: [Member]
    /// The names in `members`, for the unexpected-member check.
    let memberNames: Set<String>
    let variants: Variants?
    /// Set by `"gen": false`: members beyond the declared ones pass unchecked.
    let allowsExtraMembers: Bool
    let features: [String]
    let doc: String?
    /// Whether the type has no definition of its own (inline arguments, `q_empty`).
    let isImplicit: Bool

    init(
        name: String, members: [Member], variants: Variants? = nil, allowsExtraMembers: Bool = false,
        features: [String] = [], doc: String? = nil, isImplicit: Bool
    ) {
        self.name = name
        self.members = members
        self.memberNames = Set(members.map(\.name))
        self.variants = variants
        self.allowsExtraMembers = allowsExtraMembers
        self.features = features
        self.doc = doc
        self.isImplicit = isImplicit
    }
}
