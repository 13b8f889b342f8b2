import JSON
import Migration

/// Walks one main stream record by record (QEMU's `qemu_loadvm_state` order): header, configuration, sections with
/// their footers, commands, EOF and the vmdesc trailer. RAM and VFIO sections are read natively; any other section
/// is decoded with its vmdesc description, without which its end cannot be found.
struct MainStreamAnalyzer {
    private let file: MappedFile
    private var cursor: ByteCursor
    private let trailer: DescriptionTrailer?
    private let dump: MemoryDump?
    private(set) var report: MainStreamReport
    /// Sections by id, from their START/FULL header.
    private var sections: [UInt32: (idstr: String, instance: UInt32, version: UInt32)] = [:]
    private var ram: RAMSectionReader

    init(file: MappedFile, dump: MemoryDump?) throws {
        self.file = file
        cursor = file.cursor()
        self.dump = dump
        trailer = try DescriptionTrailer.locate(in: file)
        report = MainStreamReport(file: file.path, size: file.size)
        if let trailer {
            report.descriptionOffset = trailer.offset
            report.descriptionLength = trailer.length
            report.description = trailer.json
            if let pageSize = trailer.pageSize {
                guard DescriptionTrailer.isValidPageSize(pageSize) else {
                    throw AnalysisError(file: file.path, offset: trailer.offset + 5,
                                        message: "vmdesc: expected a power-of-two page_size from 512 to 1 MiB, found \(pageSize)")
                }
                report.pageSize = pageSize
            }
        }
        ram = RAMSectionReader(pageSize: report.pageSize, dump: dump)
    }

    /// Reads the whole stream; `report` holds what was read even when this throws.
    mutating func run() throws {
        try readHeader()
        while try readRecord() {}
        report.ram = ram.report
    }

    private mutating func readHeader() throws {
        let magic = try cursor.be32("file magic")
        guard magic == QEVM.magic else {
            throw cursor.error("expected the QEVM magic \(hex(QEVM.magic)), found \(hex(magic))", at: 0)
        }
        report.version = try cursor.be32("stream version")
        guard report.version == QEVM.version else {
            throw cursor.error("expected stream version \(QEVM.version), found \(report.version)", at: 4)
        }
    }

    /// One record; false after EOF (and the trailer).
    private mutating func readRecord() throws -> Bool {
        let offset = cursor.offset
        let type = try cursor.u8("record type")
        switch StreamRecord(rawValue: type) {
        case .configuration:
            try readConfiguration(at: offset)
        case .sectionStart, .sectionFull:
            try readSectionWithHeader(type == StreamRecord.sectionStart.rawValue ? "start" : "full", at: offset)
        case .sectionPart, .sectionEnd:
            try readSectionByID(type == StreamRecord.sectionPart.rawValue ? "part" : "end", at: offset)
        case .command:
            try readCommand(at: offset)
        case .eof:
            report.records.append(StreamRecordEntry(kind: "eof", offset: offset))
            try readTrailer()
            return false
        default:
            throw cursor.error("expected a record type (EOF 0x00, section 0x01–0x04, configuration 0x07, command "
                + "0x08), found \(hex(type))", at: offset)
        }
        return true
    }

    // MARK: Configuration

    private mutating func readConfiguration(at offset: Int) throws {
        report.records.append(StreamRecordEntry(kind: "configuration", offset: offset))
        var peek = cursor
        let length = Int(try peek.be32("machine name length"))
        guard length <= 256 else { throw peek.error("expected a machine name of at most 256 bytes, found length \(length)") }
        report.machine = String(decoding: try peek.bytes(length, "machine name"), as: UTF8.self)
        if let description = trailer?.configuration {
            var decoder = VMSDDecoder(cursor: cursor)
            let fields = try decoder.decode(description)
            cursor.offset = decoder.offset
            report.configuration = fields
            report.capabilities = Self.capabilities(in: fields)
            if let pageSize = fields["configuration/vmig"]?["page-size"]?.uint64Value, trailer?.pageSize == nil {
                try setPageSize(Int(clamping: pageSize), at: offset)
            }
        } else {
            cursor = peek
            try readConfigurationWithoutDescription()
        }
        ram = RAMSectionReader(pageSize: report.pageSize, dump: dump,
                               mappedRAM: report.capabilities.contains("mapped-ram"),
                               ignoreShared: report.capabilities.contains("x-ignore-shared"))
    }

    /// A stream without vmdesc: only vmig's own subsection can be read.
    private mutating func readConfigurationWithoutDescription() throws {
        var fields: JSONObject = ["len": .integer(report.machine?.utf8.count ?? 0), "name": .string(report.machine ?? "")]
        if cursor.peek8() == StreamRecord.subsection.rawValue {
            let at = cursor.offset
            cursor.offset += 1
            let name = try cursor.string8("subsection name")
            let version = try cursor.be32("subsection version")
            guard name == "configuration/vmig" else {
                throw cursor.error("subsection '\(name)' of the configuration: expected a vmdesc trailer describing it", at: at)
            }
            let pageSize = try cursor.be32("page size")
            let mask = try cursor.be64("capability mask")
            let channels = try cursor.u8("multifd-channels")
            let compression = try cursor.u8("multifd-compression")
            let reserved = try cursor.be16("reserved")
            fields[name] = ["__version__": .integer(version), "page-size": .integer(pageSize),
                            "capabilities": .integer(mask), "multifd-channels": .integer(channels),
                            "multifd-compression": .integer(compression), "reserved": .integer(reserved)]
            try setPageSize(Int(pageSize), at: at)
        }
        report.configuration = .object(fields)
        report.capabilities = Self.capabilities(in: .object(fields))
    }

    private mutating func setPageSize(_ size: Int, at offset: Int) throws {
        guard DescriptionTrailer.isValidPageSize(size) else {
            throw cursor.error("configuration: expected a power-of-two page size from 512 to 1 MiB, found \(size)", at: offset)
        }
        report.pageSize = size
    }

    /// Capability names: QEMU's `configuration/capabilities` list, or the bits of vmig's mask (QEMU's order).
    static func capabilities(in configuration: JSONValue) -> [String] {
        if let listed = configuration["configuration/capabilities"]?["capabilities"] {
            return listed.arrayValue?.compactMap(\.stringValue) ?? listed.stringValue.map { [$0] } ?? []
        }
        guard let mask = configuration["configuration/vmig"]?["capabilities"]?.uint64Value else { return [] }
        return MigrationCapability.allCases.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element.name)
    }

    // MARK: Sections

    private mutating func readSectionWithHeader(_ kind: String, at offset: Int) throws {
        let id = try cursor.be32("section id")
        let idstr = try cursor.string8("section idstr")
        let instance = try cursor.be32("instance id")
        let version = try cursor.be32("version id")
        sections[id] = (idstr, instance, version)
        try readSection(kind, at: offset, id: id, idstr: idstr, instance: instance, version: version)
    }

    private mutating func readSectionByID(_ kind: String, at offset: Int) throws {
        let idOffset = cursor.offset
        let id = try cursor.be32("section id")
        guard let section = sections[id] else {
            throw cursor.error("expected the id of a section opened by a START or FULL record, found \(id)", at: idOffset)
        }
        try readSection(kind, at: offset, id: id, idstr: section.idstr, instance: section.instance, version: section.version)
    }

    private mutating func readSection(_ kind: String, at offset: Int, id: UInt32, idstr: String, instance: UInt32,
                                      version: UInt32) throws {
        let start = cursor.offset
        var entry = StreamRecordEntry(kind: kind, offset: offset, sectionID: id, idstr: idstr, instanceID: instance,
                                      version: version)
        do {
            try readPayload(kind, id: id, idstr: idstr, instance: instance, version: version)
        } catch {
            entry.payloadBytes = cursor.offset - start
            report.records.append(entry)
            throw error
        }
        entry.payloadBytes = cursor.offset - start
        report.records.append(entry)
        try readFooter(id: id, idstr: idstr)
    }

    private mutating func readPayload(_ kind: String, id: UInt32, idstr: String, instance: UInt32, version: UInt32) throws {
        if idstr == RAMSection.idstr && instance == 0 {
            guard version == RAMSection.version else {
                throw cursor.error("section 'ram': expected version \(RAMSection.version), found \(version)")
            }
            try ram.read(&cursor)
        } else if idstr.hasSuffix("/vfio") {
            let size = trailer?.device(idstr, instance: instance).flatMap(DescriptionTrailer.oldStyleSize)
            var reader = VFIOSectionReader(report: vfioReport(idstr, instance), kind: kind,
                                           describedSize: kind == "full" ? size : nil)
            try reader.read(&cursor)
            storeVFIO(reader.report)
        } else if let description = trailer?.device(idstr, instance: instance) {
            guard kind == "full" || kind == "start" else {
                throw cursor.error("section '\(idstr)' (\(kind)): expected a START or FULL section for a vmdesc-described device")
            }
            var decoder = VMSDDecoder(cursor: cursor)
            let fields = try decoder.decode(description)
            cursor.offset = decoder.offset
            report.described.append(DescribedSection(idstr: idstr, instanceID: instance, sectionID: id, version: version,
                                                     fields: fields))
        } else {
            throw cursor.error("section '\(idstr)' instance \(instance): expected a vmdesc description of it (it is "
                + "neither RAM nor VFIO, so its end cannot be found without one)")
        }
    }

    private mutating func readFooter(id: UInt32, idstr: String) throws {
        guard cursor.peek8() == StreamRecord.sectionFooter.rawValue else { return }
        cursor.offset += 1
        let at = cursor.offset
        let footerID = try cursor.be32("section footer id")
        guard footerID == id else {
            throw cursor.error("footer of section '\(idstr)': expected section id \(id), found \(footerID)", at: at)
        }
    }

    private func vfioReport(_ idstr: String, _ instance: UInt32) -> VFIODeviceReport {
        report.vfio.first { $0.idstr == idstr && $0.instanceID == instance }
            ?? VFIODeviceReport(idstr: idstr, instanceID: instance)
    }

    private mutating func storeVFIO(_ device: VFIODeviceReport) {
        if let index = report.vfio.firstIndex(where: { $0.idstr == device.idstr && $0.instanceID == device.instanceID }) {
            report.vfio[index] = device
        } else {
            report.vfio.append(device)
        }
    }

    // MARK: Commands, EOF, trailer

    private mutating func readCommand(at offset: Int) throws {
        let number = try cursor.be16("command")
        let length = Int(try cursor.be16("command length"))
        let name = MigrationCommand(rawValue: number)?.name ?? "UNKNOWN_\(number)"
        if let expected = MigrationCommand(rawValue: number)?.expectedLength, Int(expected) != length {
            throw cursor.error("command \(name): expected length \(expected), found \(length)", at: offset + 3)
        }
        try cursor.skip(length, "payload of command \(name)")
        report.records.append(StreamRecordEntry(kind: "command", offset: offset, payloadBytes: length, command: name))
    }

    private mutating func readTrailer() throws {
        guard let type = cursor.peek8() else { return }
        guard type == StreamRecord.vmDescription.rawValue else {
            throw cursor.error("after EOF: expected the vmdesc trailer (0x06) or the end of the file, found \(hex(type))")
        }
        guard let trailer, trailer.offset == cursor.offset else {
            throw cursor.error("after EOF: expected a vmdesc trailer whose be32 length reaches the end of the file")
        }
        report.records.append(StreamRecordEntry(kind: "vmdesc", offset: trailer.offset, payloadBytes: trailer.length))
        cursor.offset = file.size
    }
}
