/// Constants of the multifd channel format (migration/multifd.h).
package enum MultiFDWire {
    package static let magic: UInt32 = 0x1122_3344
    package static let version: UInt32 = 1
    /// Size of `MultiFDInit_t`.
    package static let helloSize = 64
    /// Size of `MultiFDPacketHdr_t`.
    package static let headerSize = 12
    package static let flagSync: UInt32 = 0x01
    package static let compressionMask: UInt32 = 0x3E
    package static let flagDeviceState: UInt32 = 0x40
    /// Fixed part of the RAM packet header (`MultiFDPacket_t` up to `offset[]`).
    package static let ramFixedSize = 320
    /// Pages per RAM packet: `MULTIFD_PACKET_SIZE` (512 KiB) / 4 KiB.
    package static let pagesPerPacket = 128
    /// Full RAM packet header: fixed part + 8 × pages.
    package static let ramHeaderSize = ramFixedSize + 8 * pagesPerPacket
    /// Width of the `ramblock` and device-state `idstr` fields.
    package static let nameFieldSize = 256
    /// Size of `MultiFDPacketDeviceState_t`.
    package static let deviceStateHeaderSize = 276
    /// Largest device-state payload accepted (bounded before allocating).
    package static let maxDeviceStatePayload = 64 << 20
}

/// The 12-byte header that starts every multifd packet (`MultiFDPacketHdr_t`): magic, version, flags.
package struct MultiFDPacketHeader: Sendable, Equatable {
    /// `0x11223344`.
    package var magic: UInt32 = MultiFDWire.magic
    /// 1.
    package var version: UInt32 = MultiFDWire.version
    /// SYNC `0x01`, compression `0x3e`, DEVICE_STATE `0x40`.
    package var flags: UInt32

    /// A header with `flags`.
    package init(flags: UInt32) {
        self.flags = flags
    }

    /// Writes the 12 bytes at `pointer`.
    func store(at pointer: UnsafeMutableRawPointer) {
        pointer.storeBE32(magic, at: 0)
        pointer.storeBE32(version, at: 4)
        pointer.storeBE32(flags, at: 8)
    }

    /// Reads and checks the 12 bytes at `pointer` (QEMU's `multifd_recv_unfill_packet_header` texts).
    package static func load(from pointer: UnsafeRawPointer) throws -> MultiFDPacketHeader {
        let magic = pointer.loadBE32(at: 0)
        let version = pointer.loadBE32(at: 4)
        if magic != MultiFDWire.magic {
            throw MigrationError("multifd: received packet magic \(hex(magic)), expected \(hex(MultiFDWire.magic))")
        }
        if version != MultiFDWire.version {
            throw MigrationError("multifd: received packet version \(version), expected \(MultiFDWire.version)")
        }
        return MultiFDPacketHeader(flags: pointer.loadBE32(at: 8))
    }

    package var isDeviceState: Bool { flags & MultiFDWire.flagDeviceState != 0 }
    package var isSync: Bool { flags & MultiFDWire.flagSync != 0 }
}

/// The multifd device-state packet header (`MultiFDPacketDeviceState_t`, 276 bytes):
/// hdr(12, flags 0x40) | idstr[256] NUL-terminated @12 | instance_id u32 @268 | next_packet_size u32 @272;
/// then exactly `next_packet_size` opaque payload bytes.
package struct MultiFDDeviceStateHeader: Sendable, Equatable {
    /// Header flags (`0x40`).
    package var flags: UInt32 = MultiFDWire.flagDeviceState
    /// Section idstr of the target handler.
    package var idstr: String
    /// Instance id of the target handler.
    package var instanceID: UInt32
    /// `next_packet_size`: payload bytes that follow.
    package var payloadSize: UInt32

    /// A header for `payloadSize` bytes of state of section `idstr`/`instanceID`.
    package init(idstr: String, instanceID: UInt32, payloadSize: UInt32) {
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
    package func encode() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: MultiFDWire.deviceStateHeaderSize)
        bytes.withUnsafeMutableBytes { store(at: $0.baseAddress!) }
        return bytes
    }

    /// Decodes and checks 276 bytes, in QEMU's order: SYNC flag, empty packet, unterminated idstr; then vmig's
    /// payload bound (`maxPayload`, default 64 MiB as the engine uses), checked before anything is allocated.
    package static func decode(_ bytes: [UInt8], maxPayload: Int = 64 << 20) throws
        -> MultiFDDeviceStateHeader {
        guard bytes.count >= MultiFDWire.deviceStateHeaderSize else {
            throw MigrationError("multifd: device state packet header too short (\(bytes.count) bytes)")
        }
        return try bytes.withUnsafeBytes { try load(from: $0.baseAddress!, maxPayload: maxPayload) }
    }

    /// `decode` over a raw 276-byte buffer.
    package static func load(from base: UnsafeRawPointer, maxPayload: Int) throws -> MultiFDDeviceStateHeader {
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
