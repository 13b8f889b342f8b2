import QEMUFormats

/// The emulated configuration state of a simulated VFIO device (QEMU's side of the device:
/// PCI config space, interrupt setup), sent after all device data as "device config
/// vmstate". Encoded as be32 magic `VCFG`, be32 length, then the bytes.
package struct VFIODeviceConfig: Equatable, Sendable {
    /// Size of a simulated config space.
    package static let size = 64
    /// Bytes of the part fixed by the device model (ids); the rest is programmed by the guest.
    package static let identitySize = 8
    /// `"VCFG"`.
    package static let magic: UInt32 = 0x5643_4647
    /// The largest encoded config a decoder accepts.
    package static let maximumEncodedLength: UInt64 = 4096

    /// The raw config bytes.
    package var bytes: [UInt8]

    /// Wraps raw config bytes.
    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The config of a device whose guest has programmed it (deterministic per device id).
    package static func programmed(deviceID: String) -> VFIODeviceConfig {
        generated(deviceID: deviceID, programmedBytes: size - identitySize)
    }

    /// The config of a fresh device on the destination: ids only, nothing programmed.
    package static func unprogrammed(deviceID: String) -> VFIODeviceConfig {
        generated(deviceID: deviceID, programmedBytes: 0)
    }

    private static func generated(deviceID: String, programmedBytes: Int) -> VFIODeviceConfig {
        let seed = SimulatedStatePattern.seed(forDeviceID: deviceID)
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { buffer in
            SimulatedStatePattern.fill(
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<identitySize]), seed: seed, page: .max, generation: 0)
            SimulatedStatePattern.fill(
                UnsafeMutableRawBufferPointer(rebasing: buffer[identitySize..<identitySize + programmedBytes]),
                seed: seed, page: .max, generation: 1)
        }
        return VFIODeviceConfig(bytes: bytes)
    }

    /// Writes magic, length and bytes.
    package func encode<W: BigEndianWriter>(to writer: inout W) throws {
        try writer.writeBE32(Self.magic)
        try writer.writeBE32(UInt32(bytes.count))
        try writer.write(bytes: bytes)
    }

    /// Reads a config written by `encode(to:)`, bounding its length before allocating.
    package static func decode<R: BigEndianReader>(from reader: inout R) throws -> VFIODeviceConfig {
        let magic = try reader.readBE32()
        guard magic == Self.magic else {
            throw VFIOError("bad device config magic 0x\(String(magic, radix: 16))")
        }
        let length = try reader.readBE32()
        return VFIODeviceConfig(
            bytes: try reader.readBytes(count: UInt64(length), cap: maximumEncodedLength, what: "device config"))
    }

    /// A digest of the config bytes.
    package var digest: UInt64 {
        var hasher = StateHasher(seed: 0x6366_6764_6967_6573)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }
}
