/// A parsed `-device vfio-pci,id=ID,prop=value,...` option.
public struct VFIODeviceSpec: Equatable, Sendable {
    /// The driver name this model implements.
    public static let driver = "vfio-pci"

    /// The device id (required here, unlike QEMU, since it names the device everywhere).
    public var id: String
    /// The property values given, on top of the defaults.
    public var properties: VFIOProperties

    /// Creates a spec directly.
    public init(id: String, properties: VFIOProperties = VFIOProperties()) {
        self.id = id
        self.properties = properties
    }

    /// Parses QEMU's option syntax: comma-separated `key=value` (`,,` is a literal comma); the
    /// first item may be the bare driver name; a bare `key` means `key=on`; a later key wins.
    public static func parse(_ text: String) throws -> VFIODeviceSpec {
        let items = splitOptions(text)
        var driver: String?
        var id: String?
        var properties = VFIOProperties()
        for (index, item) in items.enumerated() {
            let (key, value) = keyValue(item, isFirst: index == 0)
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
        try checkDriver(driver)
        return VFIODeviceSpec(id: try checkID(id), properties: properties)
    }

    /// Whether `id` is a well-formed QEMU identifier: a letter, then letters, digits, `-`, `.`, `_`.
    public static func isWellFormedID(_ id: String) -> Bool {
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

    private static func keyValue(_ item: String, isFirst: Bool) -> (String, String) {
        guard let equals = item.firstIndex(of: "=") else {
            return isFirst ? ("driver", item) : (item, "on")
        }
        return (String(item[..<equals]), String(item[item.index(after: equals)...]))
    }

    /// Splits on single commas; a doubled comma is a literal comma inside a value.
    static func splitOptions(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var iterator = text.makeIterator()
        var pending = iterator.next()
        while let character = pending {
            pending = iterator.next()
            guard character == "," else {
                current.append(character)
                continue
            }
            if pending == "," {
                current.append(",")
                pending = iterator.next()
            } else {
                items.append(current)
                current = ""
            }
        }
        items.append(current)
        return items.filter { !$0.isEmpty }
    }
}
