/// The multifd device-state packet header (`MultiFDPacketDeviceState_t`, 276 bytes):
/// hdr(12, flags 0x40) | idstr[256] NUL-terminated @12 | instance_id u32 @268 | next_packet_size u32 @272;
/// then exactly `next_packet_size` opaque payload bytes.
public struct MultiFDDeviceStateHeader: Sendable, Equatable {
    /// Header flags (`0x40`).
    public var flags: UInt32 = MultiFDWire.flagDeviceState
    /// Section idstr of the target handler.
    public var idstr: String
    /// Instance id of the target handler.
    public var instanceID: UInt32
    /// `next_packet_size`: payload bytes that follow.
    public var payloadSize: UInt32

    /// A header for `payloadSize` bytes of state of section `idstr`/`instanceID`.
    public init(idstr: String, instanceID: UInt32, payloadSize: UInt32) {
        self.idstr = idstr
        self.instanceID = instanceID
        self.payloadSize = payloadSize
    }

    /// Writes the 276 bytes at `pointer`; the idstr must leave room for its NUL (at most 255 bytes).
    func store(at pointer: UnsafeMutableRawPointer) {
        MultiFDPacketHeader(flags: flags).store(at: pointer)
        let field = pointer + MultiFDWire.headerSize
        field.initializeMemory(as: UInt8.self, repeating: 0, count: MultiFDWire.nameFieldSize)
        let name = Array(idstr.utf8.prefix(MultiFDWire.nameFieldSize - 1))
        name.withUnsafeBytes { field.copyMemory(from: $0.baseAddress!, byteCount: name.count) }
        pointer.storeBE32(instanceID, at: 268)
        pointer.storeBE32(payloadSize, at: 272)
    }

    /// The 276 wire bytes.
    public func encode() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: MultiFDWire.deviceStateHeaderSize)
        bytes.withUnsafeMutableBytes { store(at: $0.baseAddress!) }
        return bytes
    }

    /// Decodes and checks 276 bytes, in QEMU's order: SYNC flag, empty packet, unterminated idstr; then vmig's
    /// payload bound (`maxPayload`, default 64 MiB as the engine uses), checked before anything is allocated.
    public static func decode(_ bytes: [UInt8], maxPayload: Int = 64 << 20) throws
        -> MultiFDDeviceStateHeader {
        guard bytes.count >= MultiFDWire.deviceStateHeaderSize else {
            throw MigrationError("multifd: device state packet header too short (\(bytes.count) bytes)")
        }
        return try bytes.withUnsafeBytes { try load(from: $0.baseAddress!, maxPayload: maxPayload) }
    }

    /// `decode` over a raw 276-byte buffer.
    public static func load(from base: UnsafeRawPointer, maxPayload: Int) throws -> MultiFDDeviceStateHeader {
        let header = try MultiFDPacketHeader.load(from: base)
        if header.isSync {
            throw MigrationError("multifd: received SYNC device state packet")
        }
        if header.flags != MultiFDWire.flagDeviceState {
            throw MigrationError("multifd: flags received \(hex(header.flags)) flags expected \(hex(MultiFDWire.flagDeviceState))")
        }
        let size = base.loadBE32(at: 272)
        if size == 0 {
            throw MigrationError("multifd: received empty device state packet")
        }
        let field = UnsafeRawBufferPointer(start: base + MultiFDWire.headerSize, count: MultiFDWire.nameFieldSize)
        guard let end = field.firstIndex(of: 0) else {
            throw MigrationError("unterminated multifd device state idstr")
        }
        if Int(size) > maxPayload {
            throw MigrationError("multifd: device state packet of \(size) bytes exceeds the limit of \(maxPayload) bytes")
        }
        return MultiFDDeviceStateHeader(idstr: String(decoding: field[..<end], as: UTF8.self),
                                        instanceID: base.loadBE32(at: 268), payloadSize: size)
    }
}
