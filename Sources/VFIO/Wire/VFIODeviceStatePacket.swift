/// The 12-byte big-endian header of the payload VFIO hands to a multifd device-state packet
/// (`VFIODeviceStatePacket`, hw/vfio/migration-multifd.c): {version, idx, flags}, then data.
package struct VFIODeviceStatePacket: Equatable, Sendable {
    /// Size of the header in bytes.
    package static let headerSize = 12
    /// `VFIO_DEVICE_STATE_PACKET_VER_CURRENT`.
    package static let currentVersion: UInt32 = 0
    /// `VFIO_DEVICE_STATE_CONFIG_STATE`: the packet carries the config, and is the last one.
    package static let flagConfigState: UInt32 = 1
    /// The one index no packet may carry (QEMU uses it as "last index not known yet").
    package static let invalidIndex = UInt32.max

    /// Packet format version.
    package var version: UInt32
    /// Sequence number within the device's stream.
    package var idx: UInt32
    /// Flag bits.
    package var flags: UInt32

    /// Creates a header.
    package init(version: UInt32 = currentVersion, idx: UInt32, flags: UInt32 = 0) {
        self.version = version
        self.idx = idx
        self.flags = flags
    }

    /// Whether `VFIO_DEVICE_STATE_CONFIG_STATE` is set.
    package var isConfig: Bool { flags & Self.flagConfigState != 0 }

    /// Writes the header into the first 12 bytes of `buffer`.
    package func encode(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.headerSize, "VFIO packet buffer too small")
        buffer.storeBytes(of: version.bigEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: idx.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: flags.bigEndian, toByteOffset: 8, as: UInt32.self)
    }

    /// Reads the header from the first 12 bytes of `bytes` (the caller checks the length).
    package init(decoding bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Self.headerSize, "VFIO packet too short")
        version = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        idx = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        flags = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
    }

    /// Header followed by `data`, as one payload.
    package func payload(with data: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.headerSize + data.count) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            encode(into: raw)
            if data.count > 0 {
                raw.baseAddress!.advanced(by: Self.headerSize).copyMemory(from: data.baseAddress!, byteCount: data.count)
            }
            count = Self.headerSize + data.count
        }
    }
}
