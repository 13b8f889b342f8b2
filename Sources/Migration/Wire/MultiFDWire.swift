/// Constants of the multifd channel format (migration/multifd.h).
enum MultiFDWire {
    static let magic: UInt32 = 0x1122_3344
    static let version: UInt32 = 1
    /// Size of `MultiFDInit_t`.
    static let helloSize = 64
    /// Size of `MultiFDPacketHdr_t`.
    static let headerSize = 12
    static let flagSync: UInt32 = 0x01
    static let compressionMask: UInt32 = 0x3E
    static let flagDeviceState: UInt32 = 0x40
    /// Fixed part of the RAM packet header (`MultiFDPacket_t` up to `offset[]`).
    static let ramFixedSize = 320
    /// Pages per RAM packet: `MULTIFD_PACKET_SIZE` (512 KiB) / 4 KiB.
    static let pagesPerPacket = 128
    /// Full RAM packet header: fixed part + 8 × pages.
    static let ramHeaderSize = ramFixedSize + 8 * pagesPerPacket
    /// Width of the `ramblock` and device-state `idstr` fields.
    static let nameFieldSize = 256
    /// Size of `MultiFDPacketDeviceState_t`.
    static let deviceStateHeaderSize = 276
    /// Largest device-state payload accepted (bounded before allocating).
    static let maxDeviceStatePayload = 64 << 20
}
