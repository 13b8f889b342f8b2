import QEMUFormats

/// The configuration record sent right after the QEVM header, so that mismatched ends fail early and clearly.
///
/// Wire: `0x07`, be32 name length, machine name ("vmig"), then one subsection `0x05`, u8 18,
/// "configuration/vmig", be32 version 1, be32 page size, be64 capability mask (bit i = i-th capability in QEMU
/// order), u8 multifd-channels, u8 multifd-compression (index in QEMU order), be16 reserved 0.
/// In QEMU's dialect (machine `none`) the record is the name alone, as QEMU 10.0 sends it without
/// `x-ignore-shared`, `mapped-ram` and `validate-uuid`.
package struct StreamConfiguration: Sendable, Equatable {
    /// Subsection name of vmig's fields.
    static let subsectionName = "configuration/vmig"
    static let subsectionVersion: UInt32 = 1
    static let maxNameLength = 256

    /// The record described as QEMU describes a VMSD in the `vmdesc` trailer (the `configuration` member), so that
    /// QEMU's analyze-migration.py decodes vmig's record and its subsection field by field.
    static func vmsdDescription(_ dialect: StreamDialect) -> String {
        let head = "{\"vmsd_name\": \"configuration\", \"version\": 1, \"fields\": ["
            + "{\"name\": \"len\", \"type\": \"uint32\", \"size\": 4}, "
            + "{\"name\": \"name\", \"type\": \"buffer\", \"size\": \(dialect.machineName.utf8.count)}]"
        return dialect.hasVMigExtras ? head + ", " + vmigSubsectionDescription + "}" : head + "}"
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
        guard dialect.hasVMigExtras else { return builder.bytes }
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

    /// Reads the record (type byte included) as a destination of `dialect` expects it, with QEMU's
    /// "Configuration section missing" when absent.
    static func read(from reader: MainStreamReader, dialect: StreamDialect = .vmig) throws -> StreamConfiguration {
        guard try reader.get8() == StreamRecord.configuration.rawValue else {
            throw MigrationError("Configuration section missing")
        }
        let nameLength = Int(try reader.get32())
        let name = String(decoding: try reader.getBytes(nameLength, limit: maxNameLength, what: "machine name"),
                          as: UTF8.self)
        let hasSubsection = try reader.peek8() == StreamRecord.subsection.rawValue
        if name != dialect.machineName {
            throw MigrationError("Machine type received is '\(name)' and local is '\(dialect.machineName)'")
        }
        guard dialect.hasVMigExtras else {
            if hasSubsection {
                _ = try reader.get8()
                let subsection = try reader.getString8()
                throw MigrationError("Subsection '\(subsection)' of 'configuration' is not supported by vmig")
            }
            var configuration = StreamConfiguration(capabilities: MigrationCapabilities(), parameters: MigrationParameters(),
                                                    dialect: dialect)
            configuration.machine = name
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
        // QEMU's record carries nothing else to compare.
        guard dialect.hasVMigExtras else { return }
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
}
