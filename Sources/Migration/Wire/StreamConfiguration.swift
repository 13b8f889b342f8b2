import QEMUFormats

/// The configuration record sent right after the QEVM header, so that mismatched ends fail early and clearly.
///
/// Wire: `0x07`, be32 name length, machine name ("vmig"), then one subsection `0x05`, u8 18,
/// "configuration/vmig", be32 version 1, be32 page size, be64 capability mask (bit i = i-th capability in QEMU
/// order), u8 multifd-channels, u8 multifd-compression (index in QEMU order), be16 reserved 0.
/// In QEMU's dialect (machine `none`) the record is the name, followed, when `mapped-ram` is on, by QEMU's
/// `configuration/capabilities` subsection: `0x05`, u8 26, the name, be32 version 1, be32 count, then each
/// capability as u8 length + name. QEMU validates only `x-ignore-shared` and `mapped-ram` this way
/// (`should_validate_capability`); vmig lists only `mapped-ram`, since its `x-ignore-shared` has no effect.
package struct StreamConfiguration: Sendable, Equatable {
    /// Subsection name of vmig's fields.
    static let subsectionName = "configuration/vmig"
    static let subsectionVersion: UInt32 = 1
    static let maxNameLength = 256

    /// QEMU's subsection listing the capabilities both ends must agree on.
    static let capabilitiesSubsectionName = "configuration/capabilities"
    /// QEMU's subsection carrying TARGET_PAGE_BITS (sent only by targets with a variable page size).
    static let pageBitsSubsectionName = "configuration/target-page-bits"
    /// QEMU's subsection carrying the source's UUID (sent with `validate-uuid` when the source has `-uuid`).
    static let uuidSubsectionName = "configuration/uuid"
    /// The capabilities a QEMU destination compares with its own (`should_validate_capability`), in QEMU's order.
    static let validatedCapabilities: [MigrationCapability] = [.xIgnoreShared, .mappedRAM]

    /// The record described as QEMU describes a VMSD in the `vmdesc` trailer (the `configuration` member), so that
    /// QEMU's analyze-migration.py decodes vmig's record and its subsection field by field.
    static func vmsdDescription(_ dialect: StreamDialect, capabilities: MigrationCapabilities) -> String {
        let head = "{\"vmsd_name\": \"configuration\", \"version\": 1, \"fields\": ["
            + "{\"name\": \"len\", \"type\": \"uint32\", \"size\": 4}, "
            + "{\"name\": \"name\", \"type\": \"buffer\", \"size\": \(dialect.machineName.utf8.count)}]"
        if dialect.hasVMigExtras { return head + ", " + vmigSubsectionDescription + "}" }
        let listed = qemuListedCapabilities(capabilities)
        guard let first = listed.first else { return head + "}" }
        // QEMU describes a compressible array by its first element, with `array_len` when there are more.
        let arrayLength = listed.count > 1 ? "\"array_len\": \(listed.count), " : ""
        return head + ", \"subsections\": [{\"vmsd_name\": \"\(capabilitiesSubsectionName)\", \"version\": 1, "
            + "\"fields\": [{\"name\": \"caps_count\", \"type\": \"uint32\", \"size\": 4}, "
            + "{\"name\": \"capabilities\", \(arrayLength)\"type\": \"capability\", \"size\": \(1 + first.name.utf8.count)}]}]}"
    }

    /// The capabilities a vmig source lists in QEMU's `configuration/capabilities`: `mapped-ram` when on.
    static func qemuListedCapabilities(_ capabilities: MigrationCapabilities) -> [MigrationCapability] {
        capabilities[.mappedRAM] ? [.mappedRAM] : []
    }

    private static let vmigSubsectionDescription = "\"subsections\": [{\"vmsd_name\": \"\(subsectionName)\", \"version\": \(subsectionVersion), \"fields\": ["
        + "{\"name\": \"page-size\", \"type\": \"uint32\", \"size\": 4}, "
        + "{\"name\": \"capabilities\", \"type\": \"uint64\", \"size\": 8}, "
        + "{\"name\": \"multifd-channels\", \"type\": \"uint8\", \"size\": 1}, "
        + "{\"name\": \"multifd-compression\", \"type\": \"uint8\", \"size\": 1}, "
        + "{\"name\": \"reserved\", \"type\": \"uint16\", \"size\": 2}]}]"

    /// Machine name (`vmig`, or QEMU's `none`).
    package var machine: String
    /// vmig's record or QEMU's.
    package var dialect: StreamDialect
    /// Target page size.
    package var pageSize: UInt32
    /// The capability set (bitmask on the wire).
    package var capabilities: MigrationCapabilities
    /// `multifd-channels`.
    package var multifdChannels: UInt8
    /// `multifd-compression`.
    package var multifdCompression: MultiFDCompression
    /// The VM's UUID: the source's from QEMU's `configuration/uuid` when it sent one, or the local VM's (all zero:
    /// not set, like QEMU without `-uuid`).
    package var uuid: [UInt8]?

    /// The configuration an engine with these settings sends (or expects).
    package init(capabilities: MigrationCapabilities, parameters: MigrationParameters, dialect: StreamDialect = .vmig) {
        self.dialect = dialect
        machine = dialect.machineName
        pageSize = UInt32(GuestMemory.pageSize)
        self.capabilities = capabilities
        multifdChannels = parameters.multifdChannels
        multifdCompression = parameters.multifdCompression
    }

    /// The record's bytes, type byte included.
    package func encode() -> [UInt8] {
        var builder = ByteArrayWriter()
        builder.write8(StreamRecord.configuration.rawValue)
        builder.writeBE32(UInt32(machine.utf8.count))
        builder.write(bytes: Array(machine.utf8))
        guard dialect.hasVMigExtras else {
            encodeQEMUCapabilities(into: &builder)
            return builder.bytes
        }
        builder.write8(StreamRecord.subsection.rawValue)
        builder.write8(UInt8(Self.subsectionName.utf8.count))
        builder.write(bytes: Array(Self.subsectionName.utf8))
        builder.writeBE32(Self.subsectionVersion)
        builder.writeBE32(pageSize)
        builder.writeBE64(capabilities.mask)
        builder.write8(multifdChannels)
        builder.write8(UInt8(MultiFDCompression.allCases.firstIndex(of: multifdCompression)!))
        builder.writeBE16(0)
        return builder.bytes
    }

    /// QEMU's `configuration/capabilities` subsection, when a capability is listed.
    private func encodeQEMUCapabilities(into builder: inout ByteArrayWriter) {
        let listed = Self.qemuListedCapabilities(capabilities)
        guard !listed.isEmpty else { return }
        builder.write8(StreamRecord.subsection.rawValue)
        builder.write8(UInt8(Self.capabilitiesSubsectionName.utf8.count))
        builder.write(bytes: Array(Self.capabilitiesSubsectionName.utf8))
        builder.writeBE32(1)
        builder.writeBE32(UInt32(listed.count))
        for capability in listed {
            builder.write8(UInt8(capability.name.utf8.count))
            builder.write(bytes: Array(capability.name.utf8))
        }
    }

    /// Reads the record (type byte included) as a destination of `dialect` expects it, with QEMU's
    /// "Configuration section missing" when absent.
    static func read(from reader: MainStreamReader, dialect: StreamDialect = .vmig) throws -> StreamConfiguration {
        guard try reader.get8() == StreamRecord.configuration.rawValue else {
            throw MigrationError("Configuration section missing")
        }
        let nameLength = Int(try reader.get32())
        let name = String(decoding: try reader.getBytes(nameLength, limit: maxNameLength, what: "machine name"),
                          as: UTF8.self)
        if name != dialect.machineName {
            throw MigrationError("Machine type received is '\(name)' and local is '\(dialect.machineName)'")
        }
        guard dialect.hasVMigExtras else {
            var configuration = StreamConfiguration(capabilities: MigrationCapabilities(), parameters: MigrationParameters(),
                                                    dialect: dialect)
            configuration.machine = name
            try configuration.readQEMUSubsections(from: reader)
            return configuration
        }
        guard try reader.get8() == StreamRecord.subsection.rawValue,
              try reader.getString8() == subsectionName else {
            throw MigrationError("Configuration section missing the '\(subsectionName)' subsection")
        }
        let version = try reader.get32()
        guard version == subsectionVersion else {
            throw MigrationError("savevm: unsupported version \(version) for '\(subsectionName)' v\(subsectionVersion)")
        }
        return try decodeFields(machine: name, reader: reader)
    }

    /// QEMU's optional subsections of the configuration, in any number: the page bits (checked against 4 KiB
    /// pages, with QEMU's text) and the validated capabilities (kept, compared in `checkCompatible`).
    private mutating func readQEMUSubsections(from reader: MainStreamReader) throws {
        while try reader.peek8() == StreamRecord.subsection.rawValue {
            _ = try reader.get8()
            let name = try reader.getString8()
            let version = try reader.get32()
            guard version == 1 else {
                throw MigrationError("savevm: unsupported version \(version) for '\(name)' v1")
            }
            switch name {
            case Self.pageBitsSubsectionName:
                let bits = try reader.get32()
                let local = UInt32(GuestMemory.pageSize.trailingZeroBitCount)
                guard bits == local else { throw MigrationError("Received TARGET_PAGE_BITS is \(bits) but local is \(local)") }
            case Self.capabilitiesSubsectionName:
                capabilities = try Self.readCapabilityList(from: reader)
            case Self.uuidSubsectionName:
                uuid = try reader.getBytes(16, limit: 16, what: "UUID")
            default:
                throw MigrationError("Subsection '\(name)' of 'configuration' is not supported by vmig")
            }
        }
    }

    /// The capability names of `configuration/capabilities`, with QEMU's text for a name it does not know.
    private static func readCapabilityList(from reader: MainStreamReader) throws -> MigrationCapabilities {
        let count = try reader.get32()
        guard count <= MigrationCapability.allCases.count else {
            throw MigrationError("configuration/capabilities: \(count) capabilities listed, more than the "
                + "\(MigrationCapability.allCases.count) that exist")
        }
        var listed = MigrationCapabilities()
        for _ in 0..<count {
            let name = try reader.getString8()
            guard let capability = MigrationCapability.allCases.first(where: { $0.name == name }) else {
                throw MigrationError("Received unknown capability \(name)")
            }
            listed[capability] = true
        }
        return listed
    }

    private static func decodeFields(machine: String, reader: MainStreamReader) throws -> StreamConfiguration {
        let pageSize = try reader.get32()
        let mask = try reader.get64()
        let channels = try reader.get8()
        let compressionIndex = Int(try reader.get8())
        _ = try reader.get16()
        guard compressionIndex < MultiFDCompression.allCases.count else {
            throw MigrationError("Configuration: invalid multifd-compression \(compressionIndex)")
        }
        var parameters = MigrationParameters()
        parameters.multifdChannels = channels
        parameters.multifdCompression = MultiFDCompression.allCases[compressionIndex]
        var configuration = StreamConfiguration(capabilities: MigrationCapabilities(mask: mask), parameters: parameters)
        configuration.machine = machine
        configuration.pageSize = pageSize
        return configuration
    }

    /// Checks a received (source) configuration against this local (destination) one.
    func checkCompatible(source: StreamConfiguration) throws {
        if source.machine != machine {
            throw MigrationError("Machine type received is '\(source.machine)' and local is '\(machine)'")
        }
        guard dialect.hasVMigExtras else {
            try checkQEMUCapabilities(source: source)
            try checkQEMUUUID(source: source)
            return
        }
        if source.pageSize != pageSize {
            throw MigrationError("Received page size is \(source.pageSize) but local is \(pageSize)")
        }
        for capability in MigrationCapabilities.mustMatch where source.capabilities[capability] != capabilities[capability] {
            throw MigrationError("Migration capability mismatch: '\(capability.name)' is "
                + "\(source.capabilities[capability] ? "on" : "off") on the source and "
                + "\(capabilities[capability] ? "on" : "off") on the destination")
        }
        guard capabilities[.multifd] else { return }
        if source.multifdChannels != multifdChannels {
            throw MigrationError("Migration parameter mismatch: 'multifd-channels' is \(source.multifdChannels) "
                + "on the source and \(multifdChannels) on the destination")
        }
        if source.multifdCompression != multifdCompression {
            throw MigrationError("Migration parameter mismatch: 'multifd-compression' is "
                + "'\(source.multifdCompression.name)' on the source and '\(multifdCompression.name)' on the destination")
        }
    }

    /// QEMU's `vmstate_uuid_post_load`: a UUID the source sent must be this VM's, unless this VM has none (all
    /// zero), which QEMU only warns about.
    private func checkQEMUUUID(source: StreamConfiguration) throws {
        guard let received = source.uuid else { return }
        let local = uuid ?? []
        let receivedText = MultiFDHello.format(uuid: received)
        guard local.contains(where: { $0 != 0 }) else {
            migrationLog.warning("UUID is received \(receivedText), but local uuid isn't set")
            return
        }
        guard received == local else {
            throw MigrationError("UUID received is \(receivedText) and local is \(MultiFDHello.format(uuid: local))")
        }
    }

    /// QEMU's `configuration_validate_capabilities`: every validated capability must be on at both ends or off at
    /// both; each mismatch is named, in QEMU's words. vmig's own `x-ignore-shared` has no effect, so it counts as off.
    private func checkQEMUCapabilities(source: StreamConfiguration) throws {
        let local = Self.qemuListedCapabilities(capabilities)
        let mismatches = Self.validatedCapabilities.filter { source.capabilities[$0] != local.contains($0) }.map {
            "Capability \($0.name) is \(local.contains($0) ? "on" : "off"), but received capability is "
                + (source.capabilities[$0] ? "on" : "off")
        }
        guard mismatches.isEmpty else { throw MigrationError(mismatches.joined(separator: "; ")) }
    }
}
