/// The `QEMU_VM_VMDESCRIPTION` trailer a source writes after EOF (QEMU's `vmdesc`): one JSON object naming the
/// page size, describing the configuration record field by field, and listing every non-iterable (FULL) section.
/// The destination skips it; QEMU's `scripts/analyze-migration.py` and `vmig analyze` decode the stream with it.
///
/// Wire: `0x06`, be32 length, that many bytes of JSON (no NUL byte). vmig's devices have no VMSD, so each FULL
/// section is described as QEMU describes an old-style one: one `buffer` field named `data` of the payload's size.
package struct VMDescription: Sendable, Equatable {
    /// One FULL section: its idstr, instance id and payload size, and its VMSD when it has one.
    package struct Section: Sendable, Equatable {
        package var idstr: String
        package var instanceID: UInt32
        package var size: Int
        package var layout: VMStateLayout?
    }

    /// Target page size.
    package var pageSize: Int
    /// The FULL sections, in stream order.
    package var sections: [Section]
    /// Whose configuration record the stream carries (described with or without `configuration/vmig`).
    package var dialect: StreamDialect
    /// The capabilities in force (QEMU's dialect describes its `configuration/capabilities` subsection from them).
    package var capabilities: MigrationCapabilities

    package init(pageSize: Int = GuestMemory.pageSize, sections: [Section] = [], dialect: StreamDialect = .vmig,
                 capabilities: MigrationCapabilities = MigrationCapabilities()) {
        self.pageSize = pageSize
        self.sections = sections
        self.dialect = dialect
        self.capabilities = capabilities
    }

    /// Appends a FULL section of `size` payload bytes, described by `layout` when it has a VMSD.
    package mutating func addSection(idstr: String, instanceID: UInt32, size: Int, layout: VMStateLayout? = nil) {
        sections.append(Section(idstr: idstr, instanceID: instanceID, size: size, layout: layout))
    }

    /// The JSON text (QEMU's key order and separators).
    package func json() -> String {
        let devices = sections.map { section in
            guard let layout = section.layout else {
                return "{\"name\": \(Self.quoted(section.idstr)), \"instance_id\": \(section.instanceID), "
                    + "\"size\": \(section.size), "
                    + "\"fields\": [{\"name\": \"data\", \"size\": \(section.size), \"type\": \"buffer\"}]}"
            }
            let fields = layout.fields.map {
                "{\"name\": \(Self.quoted($0.name)), \"type\": \(Self.quoted($0.type)), \"size\": \($0.size)}"
            }
            return "{\"name\": \(Self.quoted(section.idstr)), \"instance_id\": \(section.instanceID), "
                + "\"vmsd_name\": \(Self.quoted(layout.name)), \"version\": \(layout.version), "
                + "\"fields\": [\(fields.joined(separator: ", "))]}"
        }
        return "{\"configuration\": \(StreamConfiguration.vmsdDescription(dialect, capabilities: capabilities)), \"page_size\": \(pageSize), "
            + "\"devices\": [\(devices.joined(separator: ", "))]}"
    }

    /// A JSON string literal; control characters and non-ASCII bytes are escaped, so the text holds no NUL byte.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value > 0x7E:
                for unit in String(scalar).utf16 {
                    let digits = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A section's VMSD as the vmdesc trailer describes it (QEMU's `vmsd_name`, `version` and flat fields), for
/// handlers whose payload is a QEMU VMState layout (`timer`, `globalstate`).
public struct VMStateLayout: Sendable, Equatable {
    /// One field: its name, QEMU's type name (`int64`, `uint32`, `uint8`, `buffer`, `unused_buffer`) and size.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var type: String
        public var size: Int

        public init(_ name: String, _ type: String, _ size: Int) {
            self.name = name
            self.type = type
            self.size = size
        }
    }

    /// The VMSD's name.
    public var name: String
    /// Its version.
    public var version: UInt32
    /// Its fields in wire order.
    public var fields: [Field]

    public init(name: String, version: UInt32, fields: [Field]) {
        self.name = name
        self.version = version
        self.fields = fields
    }

    /// Payload bytes of the fields.
    public var size: Int {
        fields.reduce(0) { $0 + $1.size }
    }
}
