/// Constants of the multifd channel format (migration/multifd.h).
public enum MultiFDWire {
    public static let magic: UInt32 = 0x1122_3344
    public static let version: UInt32 = 1
    /// Size of `MultiFDInit_t`.
    public static let helloSize = 64
    /// Size of `MultiFDPacketHdr_t`.
    public static let headerSize = 12
    public static let flagSync: UInt32 = 0x01
    public static let compressionMask: UInt32 = 0x3E
    public static let flagDeviceState: UInt32 = 0x40
    /// Fixed part of the RAM packet header (`MultiFDPacket_t` up to `offset[]`).
    public static let ramFixedSize = 320
    /// Pages per RAM packet: `MULTIFD_PACKET_SIZE` (512 KiB) / 4 KiB.
    public static let pagesPerPacket = 128
    /// Full RAM packet header: fixed part + 8 × pages.
    public static let ramHeaderSize = ramFixedSize + 8 * pagesPerPacket
    /// Width of the `ramblock` and device-state `idstr` fields.
    public static let nameFieldSize = 256
    /// Size of `MultiFDPacketDeviceState_t`.
    public static let deviceStateHeaderSize = 276
    /// Largest device-state payload accepted (bounded before allocating).
    public static let maxDeviceStatePayload = 64 << 20
}

/// The 12-byte header that starts every multifd packet (`MultiFDPacketHdr_t`): magic, version, flags.
public struct MultiFDPacketHeader: Sendable, Equatable {
    /// `0x11223344`.
    public var magic: UInt32 = MultiFDWire.magic
    /// 1.
    public var version: UInt32 = MultiFDWire.version
    /// SYNC `0x01`, compression `0x3e`, DEVICE_STATE `0x40`.
    public var flags: UInt32

    /// A header with `flags`.
    public init(flags: UInt32) {
        self.flags = flags
    }

    /// Writes the 12 bytes at `pointer`.
    func store(at pointer: UnsafeMutableRawPointer) {
        pointer.storeBE32(magic, at: 0)
        pointer.storeBE32(version, at: 4)
        pointer.storeBE32(flags, at: 8)
    }

    /// Reads and checks the 12 bytes at `pointer` (QEMU's `multifd_recv_unfill_packet_header` texts).
    public static func load(from pointer: UnsafeRawPointer) throws -> MultiFDPacketHeader {
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

    public var isDeviceState: Bool { flags & MultiFDWire.flagDeviceState != 0 }
    public var isSync: Bool { flags & MultiFDWire.flagSync != 0 }
}
