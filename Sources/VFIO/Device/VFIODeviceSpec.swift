import QEMUFormats

/// A parsed `-device vfio-pci,id=ID,prop=value,...` option.
package struct VFIODeviceSpec: Equatable, Sendable {
    /// The driver name this model implements.
    package static let driver = "vfio-pci"

    /// The device id (required here, unlike QEMU, since it names the device everywhere).
    package var id: String
    /// The property values given, on top of the defaults.
    package var properties: VFIOProperties

    /// Creates a spec directly.
    package init(id: String, properties: VFIOProperties = VFIOProperties()) {
        self.id = id
        self.properties = properties
    }

    /// Parses QEMU's option syntax (`QEMUOptionList`): comma-separated `key=value`; the first
    /// item may be the bare driver name; a bare `key` means `key=on`; a later key wins.
    package static func parse(_ text: String) throws -> VFIODeviceSpec {
        try VFIODeviceSpec(options: QEMUOptionList.pairs(text, impliedFirstKey: "driver"))
    }

    /// A spec from `key`/`value` pairs as text, each value read by its property's rules (`device_add`'s
    /// arguments, or the items of an option list); a later key wins.
    package init(options: [(key: String, value: String)]) throws {
        var driver: String?
        var id: String?
        var properties = VFIOProperties()
        for (key, value) in options {
            switch key {
            case "driver": driver = value
            case "id": id = value
            default:
                guard let name = VFIOPropertyName(rawValue: key) else {
                    throw VFIOError("Property '\(Self.driver).\(key)' not found")
                }
                try properties.parse(name, from: value)
            }
        }
        try Self.checkDriver(driver)
        self.init(id: try Self.checkID(id), properties: properties)
    }

    /// Whether `id` is a well-formed QEMU identifier: a letter, then letters, digits, `-`, `.`, `_`.
    package static func isWellFormedID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return id.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._".unicodeScalars.contains(scalar))
        }
    }

    private static func checkDriver(_ driver: String?) throws {
        guard let driver else { throw VFIOError("Parameter 'driver' is missing") }
        guard driver == Self.driver else { throw VFIOError("'\(driver)' is not a valid device model name") }
    }

    private static func checkID(_ id: String?) throws -> String {
        guard let id else { throw VFIOError("Parameter 'id' is missing") }
        guard isWellFormedID(id) else { throw VFIOError("Parameter 'id' expects an identifier") }
        return id
    }
}
