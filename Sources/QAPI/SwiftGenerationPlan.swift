/// What `qapi-gen swift` generates, as QEMU's generator writes `qapi-types-*.h` and `qapi-visit-*.c`: which
/// schema types become Swift types, under which names, and where the plain types and their JSON mapping go.
///
/// The plain types go to a module that knows no JSON (the engine's); the mapping goes to the module that speaks
/// QMP, as extensions of those types.
package struct SwiftGenerationPlan: Sendable {
    /// How one schema type becomes Swift.
    package enum Shape: Sendable, Equatable {
        /// An enum: a `String`-backed Swift enum, one case per value, plus `init(qapi:member:)` and `qapiJSON`.
        case enumeration
        /// A struct whose Swift members are all set, each to its schema `"default"`; encoded as `qapiJSON`.
        case values
        /// A struct whose members are all optional (nil: unchanged), with `apply(to:)` writing the given ones
        /// into the `.values` type named here (schema name); decoded by `init(qapi:)`.
        case update(appliesTo: String)
        /// A struct without a Swift type of its own: a tuple of its members, mapped by `SWIFTNAMEJSON`.
        case tuple
    }

    /// One generated type.
    package struct Entry: Sendable {
        /// The type's name in the schema.
        package let schemaName: String
        /// The Swift type's name (for a `.tuple`, the prefix of its mapping's name).
        package let swiftName: String
        package let shape: Shape
        /// The order of the members in an encoded object when it is not the schema's: the order QEMU's replies
        /// show (a `QDict` iterates in hash order), which clients may compare.
        package let wireOrder: [String]?

        package init(_ schemaName: String, swiftName: String? = nil, _ shape: Shape, wireOrder: [String]? = nil) {
            self.schemaName = schemaName
            self.swiftName = swiftName ?? schemaName
            self.shape = shape
            self.wireOrder = wireOrder
        }
    }

    /// The file of the plain Swift types, relative to the package root.
    package let typesPath: String
    /// The file of the JSON mapping (its module provides `QAPIDecoding`, the readers with QEMU's error texts).
    package let jsonPath: String
    /// The module of the plain types, which the mapping imports.
    package let typesModule: String
    /// The access level of the plain types and their members (`public` or `package`).
    package let access: String
    /// The modules the mapping imports besides `JSON`, `QAPI` and ``typesModule``.
    package let jsonImports: [String]
    /// The generated types, in the order they are written.
    package let entries: [Entry]

    /// A plan writing `entries` to `typesPath` (module `typesModule`) and their mapping to `jsonPath`.
    package init(
        typesPath: String, jsonPath: String, typesModule: String, access: String,
        jsonImports: [String], entries: [Entry]
    ) {
        self.typesPath = typesPath
        self.jsonPath = jsonPath
        self.typesModule = typesModule
        self.access = access
        self.jsonImports = jsonImports
        self.entries = entries
    }

    /// The migration parameters and capabilities: the engine's `MigrationParameters`, `MigrationParameterUpdate`,
    /// `MigrationCapability` and the enums they use, and the Monitor's mapping of them for
    /// `query-migrate-parameters`, `migrate-set-parameters`, `query-migrate-capabilities` and
    /// `migrate-set-capabilities`.
    package static let migration = SwiftGenerationPlan(
        typesPath: "Sources/Migration/Model/Generated/MigrationQAPITypes.swift",
        jsonPath: "Sources/Monitor/Generated/MigrationQAPIJSON.swift",
        typesModule: "Migration", access: "public", jsonImports: ["QMP"],
        entries: [
            Entry("MigrationCapability", .enumeration),
            Entry("MigrationCapabilityStatus", .tuple, wireOrder: ["state", "capability"]),
            Entry("MultiFDCompression", .enumeration),
            Entry("MigMode", swiftName: "MigrationMode", .enumeration),
            Entry("ZeroPageDetection", .enumeration),
            Entry("MigrationParameters", .values),
            Entry("MigrateSetParameters", swiftName: "MigrationParameterUpdate", .update(appliesTo: "MigrationParameters")),
        ])

    /// Every plan `qapi-gen swift` writes.
    package static let all = [migration]

    /// The entry for the schema type `name`, if the plan generates it.
    func entry(_ name: String) -> Entry? {
        entries.first { $0.schemaName == name }
    }
}

/// Swift spellings of QAPI names.
enum SwiftNames {
    /// Words spelled in capitals when they are not the first word: `max-cpu-throttle` → `maxCPUThrottle`.
    static let acronyms: Set<String> = ["cpu", "vcpu", "ram", "uuid", "io"]

    /// `max-cpu-throttle` → `maxCPUThrottle`, `x-vcpu-dirty-limit-period` → `xVCPUDirtyLimitPeriod`.
    static func identifier(_ name: String) -> String {
        let words = name.split(whereSeparator: { $0 == "-" || $0 == "_" }).map { String($0) }
        guard let first = words.first else { return name }
        return first.lowercased() + words.dropFirst().map { word in
            acronyms.contains(word.lowercased()) ? word.uppercased() : word.prefix(1).uppercased() + word.dropFirst()
        }.joined()
    }

    /// Swift's keywords that a generated identifier must escape.
    static let keywords: Set<String> = ["default", "case", "switch", "in", "is", "as", "self", "Type", "protocol"]

    /// `identifier`, in backquotes when it is a keyword.
    static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }
}
