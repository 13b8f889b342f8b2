/// One multifd packet read whole off a channel, as the source wrote it (the layouts of migration/multifd.h): a
/// RAM or SYNC packet (1344-byte header, then the normal pages' data) or a device-state packet (276-byte header,
/// then the payload: VFIO's 12-byte header and data).
struct MultiFDPacket {
    /// Every byte of the packet, header and payload.
    let bytes: [UInt8]

    /// Whether it carries device state.
    var isDeviceState: Bool { flags & Self.deviceStateFlag != 0 }
    /// Whether it is a SYNC packet (no pages).
    var isSync: Bool { !isDeviceState && flags & Self.syncFlag != 0 }
    /// Device state: the bytes after the 276-byte header.
    var deviceStatePayload: Int { isDeviceState ? bytes.count - Self.deviceStateHeaderSize : 0 }
    /// RAM: pages sent with data.
    var normalPages: Int { isDeviceState ? 0 : Int(PacketSocket.be32(bytes, at: 16)) }
    /// RAM: zero pages (offsets only).
    var zeroPages: Int { isDeviceState ? 0 : Int(PacketSocket.be32(bytes, at: 32)) }

    private var flags: UInt32 { PacketSocket.be32(bytes, at: 8) }

    /// Reads the next packet; a size beyond vmigd's bounds ends the channel instead of being allocated.
    static func read(from fd: Int32) throws -> MultiFDPacket {
        let common = try PacketSocket.read(fd, count: packetHeaderSize)
        if PacketSocket.be32(common, at: 8) & deviceStateFlag != 0 {
            let header = common + (try PacketSocket.read(fd, count: deviceStateHeaderSize - packetHeaderSize))
            let size = Int(PacketSocket.be32(header, at: 272))
            guard size <= maxDeviceStatePayload else { throw PacketSocket.Closed() }
            return MultiFDPacket(bytes: header + (try PacketSocket.read(fd, count: size)))
        }
        let header = common + (try PacketSocket.read(fd, count: ramHeaderSize - packetHeaderSize))
        let size = Int(PacketSocket.be32(header, at: 20))
        guard size <= maxRAMPayload else { throw PacketSocket.Closed() }
        return MultiFDPacket(bytes: header + (try PacketSocket.read(fd, count: size)))
    }

    // MARK: Wire sizes

    static let helloSize = 64
    static let packetHeaderSize = 12
    static let deviceStateHeaderSize = 276
    static let ramHeaderSize = 320 + 8 * 128
    static let deviceStateFlag: UInt32 = 0x40
    static let syncFlag: UInt32 = 0x01
    /// vmigd's bound on a device-state payload.
    static let maxDeviceStatePayload = 64 << 20
    /// A RAM packet carries at most 128 pages of 4 KiB.
    static let maxRAMPayload = 128 * 4096
}
