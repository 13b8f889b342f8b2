import QEMUFormats

/// Encoders and decoders for VFIO's legacy (main-channel) section payloads.
///
/// | phase | payload |
/// |---|---|
/// | setup (START) | SETUP_STATE, END_OF_STATE |
/// | precopy (PART) | [DATA_STATE, be64 size, bytes], then END_OF_STATE or INIT_DATA_SENT |
/// | complete (END) | [DATA_STATE, size, bytes]… END_OF_STATE; multifd mode: END_OF_STATE only |
/// | non-iterable (FULL) | CONFIG_STATE, config, END_OF_STATE; multifd: END_OF_STATE or CONFIG_LOAD_READY |
package enum VFIOMainChannelCodec {
    /// `VFIO_MIG_DEFAULT_DATA_BUFFER_SIZE`: 1 MiB.
    package static let defaultDataBufferSize = 1 << 20

    /// Writes SETUP_STATE, END_OF_STATE.
    package static func writeSetupState<W: BigEndianWriter>(to writer: inout W) throws {
        try writer.write(tag: .devSetupState)
        try writer.write(tag: .endOfState)
    }

    /// Writes DATA_STATE, be64 size, `data`; writes nothing for empty data (as QEMU does).
    package static func writeDataChunk<W: BigEndianWriter>(_ data: UnsafeRawBufferPointer, to writer: inout W) throws {
        guard data.count > 0 else { return }
        try writer.write(tag: .devDataState)
        try writer.writeBE64(UInt64(data.count))
        try writer.write(data)
    }

    /// Writes END_OF_STATE.
    package static func writeEndOfState<W: BigEndianWriter>(to writer: inout W) throws {
        try writer.write(tag: .endOfState)
    }

    /// Writes INIT_DATA_SENT (it replaces END_OF_STATE in that precopy section).
    package static func writeInitDataSent<W: BigEndianWriter>(to writer: inout W) throws {
        try writer.write(tag: .devInitDataSent)
    }

    /// Writes CONFIG_LOAD_READY (the whole non-iterable payload in that mode).
    package static func writeConfigLoadReady<W: BigEndianWriter>(to writer: inout W) throws {
        try writer.write(tag: .devConfigLoadReady)
    }

    /// Writes CONFIG_STATE, the config, END_OF_STATE.
    package static func writeConfigState<W: BigEndianWriter>(_ config: VFIODeviceConfig, to writer: inout W) throws {
        try writer.write(tag: .devConfigState)
        try config.encode(to: &writer)
        try writer.write(tag: .endOfState)
    }

    /// The bytes of `writeConfigState`: also the data of the multifd config packet.
    package static func configStateBytes(_ config: VFIODeviceConfig) -> [UInt8] {
        var writer = ByteArrayWriter()
        try? writeConfigState(config, to: &writer)
        return writer.bytes
    }

    /// Reads one record. `maxDataSize` bounds a DATA_STATE size before anything is allocated;
    /// `deviceName` prefixes error messages.
    package static func readRecord<R: BigEndianReader>(
        from reader: inout R, deviceName: String, maxDataSize: UInt64 = UInt64(defaultDataBufferSize)
    ) throws -> VFIOMainChannelRecord {
        let tag = try reader.readBE64()
        switch VFIOStreamTag(rawValue: tag) {
        case .endOfState: return .endOfState
        case .devInitDataSent: return .initDataSent
        case .devConfigLoadReady: return .configLoadReady
        case .devSetupState:
            try expectEndOfState(&reader, error: "\(deviceName): SETUP STATE: EOS not found")
            return .setupState
        case .devDataState:
            let size = try reader.readBE64()
            return .dataState(try reader.readBytes(count: size, cap: maxDataSize, what: "\(deviceName): data chunk"))
        case .devConfigState:
            return .configState(try readConfigBody(from: &reader, deviceName: deviceName))
        case nil:
            throw unknownTag(tag, deviceName: deviceName)
        }
    }

    /// Reads the config and its END_OF_STATE after a CONFIG_STATE tag.
    package static func readConfigBody<R: BigEndianReader>(from reader: inout R, deviceName: String) throws -> VFIODeviceConfig {
        let config = try VFIODeviceConfig.decode(from: &reader)
        try expectEndOfState(&reader, error: "\(deviceName): Failed loading device config space, end flag incorrect")
        return config
    }

    /// Reads a be64 and throws `error 0x<value>` unless it is END_OF_STATE.
    static func expectEndOfState<R: BigEndianReader>(_ reader: inout R, error: String) throws {
        let value = try reader.readBE64()
        guard value == VFIOStreamTag.endOfState.rawValue else {
            throw VFIOError("\(error) 0x\(String(value, radix: 16))")
        }
    }

    /// `%s: Unknown tag 0x%llx`.
    static func unknownTag(_ tag: UInt64, deviceName: String) -> VFIOError {
        VFIOError("\(deviceName): Unknown tag 0x\(String(tag, radix: 16))")
    }
}
