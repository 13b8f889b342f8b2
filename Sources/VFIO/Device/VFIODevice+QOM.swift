extension VFIODevice {
    /// One row of qom-list.
    package struct QOMProperty: Equatable, Sendable {
        /// The property name.
        package var name: String
        /// The QOM type name (`bool`, `uint64`, `size`, `OnOffAuto`, `string`).
        package var type: String
    }

    /// qom-list: `type` followed by every device property.
    package func qomList() -> [QOMProperty] {
        [QOMProperty(name: "type", type: "string")]
            + VFIOPropertyName.allCases.map { QOMProperty(name: $0.rawValue, type: $0.type.rawValue) }
    }

    /// qom-get.
    package func qomGet(_ property: String) throws -> VFIOPropertyValue {
        if property == "type" { return .string(Self.typeName) }
        let name = try Self.propertyName(property)
        return properties.withLockedValue { $0.value(of: name) }
    }

    /// qom-set. A realized device only lets `x-migration-multifd-transfer` change; the new
    /// value counts from the next migration's setup.
    package func qomSet(_ property: String, to value: VFIOPropertyValue) throws {
        if property == "type" { throw VFIOError("Property '\(Self.typeName).type' is not writable") }
        let name = try Self.propertyName(property)
        guard name.isMutableAfterRealize else {
            throw VFIOError(
                "Attempt to set property '\(property)' on device '\(id)' (type '\(Self.typeName)') after it was realized")
        }
        try properties.withLockedValue { try $0.set(name, to: value) }
    }

    private static func propertyName(_ property: String) throws -> VFIOPropertyName {
        guard let name = VFIOPropertyName(rawValue: property) else {
            throw VFIOError("Property '\(typeName).\(property)' not found")
        }
        return name
    }
}
