import JSON

/// One record of the main stream, at its offset.
package struct StreamRecordEntry: Sendable, Equatable {
    /// What it is: `configuration`, `start`, `part`, `end`, `full`, `command`, `eof`, `vmdesc`.
    package var kind: String
    /// Offset of its type byte.
    package var offset: Int
    /// Section id (sections only).
    package var sectionID: UInt32?
    /// Section idstr (sections; for PART/END taken from their START).
    package var idstr: String?
    package var instanceID: UInt32?
    package var version: UInt32?
    /// Bytes of payload (sections), or the command's payload length.
    package var payloadBytes: Int?
    /// Command name (`OPEN_RETURN_PATH`, `SWITCHOVER_START`, `PING`, …).
    package var command: String?

    var json: JSONValue {
        var object: JSONObject = ["kind": .string(kind), "offset": .integer(offset)]
        if let sectionID { object["section-id"] = .integer(sectionID) }
        if let idstr { object["idstr"] = .string(idstr) }
        if let instanceID { object["instance-id"] = .integer(instanceID) }
        if let version { object["version"] = .integer(version) }
        if let command { object["command"] = .string(command) }
        if let payloadBytes { object["payload-bytes"] = .integer(payloadBytes) }
        return .object(object)
    }
}

/// What the main stream says about one RAM block.
package struct RAMBlockReport: Sendable, Equatable {
    package var name: String
    /// Its length from the MEM_SIZE record.
    package var length: UInt64
    /// Pages sent with data on the main channel.
    package var normalPages = 0
    /// Zero pages (ZERO records) on the main channel.
    package var zeroPages = 0
    /// Pages present in the mapped-ram region (bitmap bits set), when mapped-ram is on.
    package var mappedPages: Int?

    package init(name: String, length: UInt64, normalPages: Int = 0, zeroPages: Int = 0, mappedPages: Int? = nil) {
        self.name = name
        self.length = length
        self.normalPages = normalPages
        self.zeroPages = zeroPages
        self.mappedPages = mappedPages
    }

    var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "length": .integer(length),
                                  "normal-pages": .integer(normalPages), "zero-pages": .integer(zeroPages)]
        if let mappedPages { object["mapped-ram-pages"] = .integer(mappedPages) }
        return .object(object)
    }
}

/// The RAM sections of a main stream.
package struct RAMReport: Sendable, Equatable {
    package var blocks: [RAMBlockReport] = []
    /// `RAM_SAVE_FLAG_MULTIFD_FLUSH` markers.
    package var flushes = 0
    /// `RAM_SAVE_FLAG_EOS` markers (one per RAM section).
    package var endOfSections = 0

    var json: JSONValue {
        ["blocks": .array(blocks.map(\.json)), "multifd-flushes": .integer(flushes), "eos": .integer(endOfSections)]
    }
}

/// A section decoded from its vmdesc description.
package struct DescribedSection: Sendable, Equatable {
    package var idstr: String
    package var instanceID: UInt32
    package var sectionID: UInt32
    package var version: UInt32
    /// The fields, by name (subsections by their name, with `__version__`).
    package var fields: JSONValue

    var json: JSONValue {
        ["idstr": .string(idstr), "instance-id": .integer(instanceID), "section-id": .integer(sectionID),
         "version": .integer(version), "fields": fields]
    }
}

/// Everything read from one main stream.
package struct MainStreamReport: Sendable, Equatable {
    package var file: String
    package var size: Int
    package var version: UInt32 = 0
    /// Machine name of the configuration record.
    package var machine: String?
    /// The configuration record decoded (vmdesc description or vmig's own subsection).
    package var configuration: JSONValue?
    /// Capabilities named in the configuration (QEMU's `configuration/capabilities`, vmig's mask).
    package var capabilities: [String] = []
    /// Every record in stream order.
    package var records: [StreamRecordEntry] = []
    package var ram = RAMReport()
    /// Sections decoded with the vmdesc.
    package var described: [DescribedSection] = []
    /// VFIO devices' main-channel content.
    package var vfio: [VFIODeviceReport] = []
    /// Page size (vmdesc `page_size`, else vmig's configuration, else 4096).
    package var pageSize = 4096
    /// Offset and length of the vmdesc JSON, when present.
    package var descriptionOffset: Int?
    package var descriptionLength: Int?
    /// The vmdesc JSON itself.
    package var description: JSONValue?

    var json: JSONValue {
        var object: JSONObject = [
            "file": .string(file), "size": .integer(size), "version": .integer(version),
            "page-size": .integer(pageSize),
        ]
        object["machine"] = machine.map(JSONValue.string) ?? .null
        object["configuration"] = configuration ?? .null
        object["capabilities"] = .array(capabilities.map(JSONValue.string))
        object["records"] = .array(records.map(\.json))
        object["ram"] = ram.json
        object["sections"] = .array(described.map(\.json))
        object["vfio"] = .array(vfio.map(\.json))
        if let descriptionOffset, let descriptionLength {
            object["vmdesc"] = ["offset": .integer(descriptionOffset), "length": .integer(descriptionLength),
                                "json": description ?? .null]
        } else {
            object["vmdesc"] = .null
        }
        return .object(object)
    }
}
