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
