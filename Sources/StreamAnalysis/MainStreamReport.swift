import JSON

/// One record of the main stream, at its offset.
public struct StreamRecordEntry: Sendable, Equatable {
    /// What it is: `configuration`, `start`, `part`, `end`, `full`, `command`, `eof`, `vmdesc`.
    public var kind: String
    /// Offset of its type byte.
    public var offset: Int
    /// Section id (sections only).
    public var sectionID: UInt32?
    /// Section idstr (sections; for PART/END taken from their START).
    public var idstr: String?
    public var instanceID: UInt32?
    public var version: UInt32?
    /// Bytes of payload (sections), or the command's payload length.
    public var payloadBytes: Int?
    /// Command name (`OPEN_RETURN_PATH`, `SWITCHOVER_START`, `PING`, …).
    public var command: String?

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
public struct RAMBlockReport: Sendable, Equatable {
    public var name: String
    /// Its length from the MEM_SIZE record.
    public var length: UInt64
    /// Pages sent with data on the main channel.
    public var normalPages = 0
    /// Zero pages (ZERO records) on the main channel.
    public var zeroPages = 0
    /// Pages present in the mapped-ram region (bitmap bits set), when mapped-ram is on.
    public var mappedPages: Int?

    public init(name: String, length: UInt64, normalPages: Int = 0, zeroPages: Int = 0, mappedPages: Int? = nil) {
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
public struct RAMReport: Sendable, Equatable {
    public var blocks: [RAMBlockReport] = []
    /// `RAM_SAVE_FLAG_MULTIFD_FLUSH` markers.
    public var flushes = 0
    /// `RAM_SAVE_FLAG_EOS` markers (one per RAM section).
    public var endOfSections = 0

    var json: JSONValue {
        ["blocks": .array(blocks.map(\.json)), "multifd-flushes": .integer(flushes), "eos": .integer(endOfSections)]
    }
}

/// A section decoded from its vmdesc description.
public struct DescribedSection: Sendable, Equatable {
    public var idstr: String
    public var instanceID: UInt32
    public var sectionID: UInt32
    public var version: UInt32
    /// The fields, by name (subsections by their name, with `__version__`).
    public var fields: JSONValue

    var json: JSONValue {
        ["idstr": .string(idstr), "instance-id": .integer(instanceID), "section-id": .integer(sectionID),
         "version": .integer(version), "fields": fields]
    }
}

/// Everything read from one main stream.
public struct MainStreamReport: Sendable, Equatable {
    public var file: String
    public var size: Int
    public var version: UInt32 = 0
    /// Machine name of the configuration record.
    public var machine: String?
    /// The configuration record decoded (vmdesc description or vmig's own subsection).
    public var configuration: JSONValue?
    /// Capabilities named in the configuration (QEMU's `configuration/capabilities`, vmig's mask).
    public var capabilities: [String] = []
    /// Every record in stream order.
    public var records: [StreamRecordEntry] = []
    public var ram = RAMReport()
    /// Sections decoded with the vmdesc.
    public var described: [DescribedSection] = []
    /// VFIO devices' main-channel content.
    public var vfio: [VFIODeviceReport] = []
    /// Page size (vmdesc `page_size`, else vmig's configuration, else 4096).
    public var pageSize = 4096
    /// Offset and length of the vmdesc JSON, when present.
    public var descriptionOffset: Int?
    public var descriptionLength: Int?
    /// The vmdesc JSON itself.
    public var description: JSONValue?

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
