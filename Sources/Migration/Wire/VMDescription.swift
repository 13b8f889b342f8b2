/// The `QEMU_VM_VMDESCRIPTION` trailer a source writes after EOF (QEMU's `vmdesc`): one JSON object naming the
/// page size, describing the configuration record field by field, and listing every non-iterable (FULL) section.
/// The destination skips it; QEMU's `scripts/analyze-migration.py` and `vmig analyze` decode the stream with it.
///
/// Wire: `0x06`, be32 length, that many bytes of JSON (no NUL byte). vmig's devices have no VMSD, so each FULL
/// section is described as QEMU describes an old-style one: one `buffer` field named `data` of the payload's size.
package struct VMDescription: Sendable, Equatable {
    /// One FULL section: its idstr, instance id and payload size.
    package struct Section: Sendable, Equatable {
        package var idstr: String
        package var instanceID: UInt32
        package var size: Int
    }

    /// Target page size.
    package var pageSize: Int
    /// The FULL sections, in stream order.
    package var sections: [Section]

    package init(pageSize: Int = GuestMemory.pageSize, sections: [Section] = []) {
        self.pageSize = pageSize
        self.sections = sections
    }

    /// Appends a FULL section of `size` payload bytes.
    package mutating func addSection(idstr: String, instanceID: UInt32, size: Int) {
        sections.append(Section(idstr: idstr, instanceID: instanceID, size: size))
    }

    /// The JSON text (QEMU's key order and separators).
    package func json() -> String {
        let devices = sections.map { section in
            "{\"name\": \(Self.quoted(section.idstr)), \"instance_id\": \(section.instanceID), \"size\": \(section.size), "
                + "\"fields\": [{\"name\": \"data\", \"size\": \(section.size), \"type\": \"buffer\"}]}"
        }
        return "{\"configuration\": \(StreamConfiguration.vmsdDescription), \"page_size\": \(pageSize), "
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
