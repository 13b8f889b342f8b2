import QEMUFormats

/// The 64-byte multifd channel hello (`MultiFDInit_t`): magic, version, uuid[16], id, 7 + 32 unused bytes.
package struct MultiFDHello: Sendable, Equatable {
    /// `0x11223344`.
    package var magic: UInt32 = MultiFDWire.magic
    /// 1.
    package var version: UInt32 = MultiFDWire.version
    /// The VM UUID (16 bytes).
    package var uuid: [UInt8]
    /// Channel id.
    package var id: UInt8

    /// A hello for channel `id` of a VM with `uuid` (16 bytes; zeros when the VM has none).
    package init(uuid: [UInt8], id: UInt8) {
        self.uuid = uuid
        self.id = id
    }

    /// The 64 wire bytes.
    package func encode() -> [UInt8] {
        var builder = ByteArrayWriter(capacity: MultiFDWire.helloSize)
        builder.writeBE32(magic)
        builder.writeBE32(version)
        builder.write(bytes: Array((uuid + [UInt8](repeating: 0, count: 16)).prefix(16)))
        builder.write8(id)
        builder.write(zeros: MultiFDWire.helloSize - 25)
        return builder.bytes
    }

    /// Decodes 64 bytes without judging them.
    package static func decode(_ bytes: [UInt8]) throws -> MultiFDHello {
        var parser = ByteArrayReader(record: bytes)
        let magic = try parser.readBE32()
        let version = try parser.readBE32()
        let uuid = try parser.readBytes(count: 16)
        var hello = MultiFDHello(uuid: uuid, id: try parser.read8())
        hello.magic = magic
        hello.version = version
        return hello
    }

    /// QEMU's receiver checks (`multifd_recv_initial_packet`), with its texts; vmig refuses `id >= channels`.
    package func validate(expectedUUID: [UInt8], channels: Int) throws {
        if magic != MultiFDWire.magic {
            throw MigrationError("multifd: received packet magic \(hex(magic)) expected \(hex(MultiFDWire.magic))")
        }
        if version != MultiFDWire.version {
            throw MigrationError("multifd: received packet version \(version) expected \(MultiFDWire.version)")
        }
        if uuid != expectedUUID {
            throw MigrationError("multifd: received uuid '\(MultiFDHello.format(uuid: uuid))' and expected uuid "
                + "'\(MultiFDHello.format(uuid: expectedUUID))' for channel \(Int8(bitPattern: id))")
        }
        if Int(id) >= channels {
            throw MigrationError("multifd: received channel id \(id) is greater than number of channels \(channels)")
        }
    }

    /// QEMU's duplicate-id text (sic, with the stray quote).
    static func duplicateError(id: UInt8) -> MigrationError {
        MigrationError("multifd: received id '\(id)' already setup'")
    }

    /// Formats a UUID as 8-4-4-4-12 lowercase hex.
    package static func format(uuid: [UInt8]) -> String {
        let digits = (uuid + [UInt8](repeating: 0, count: 16)).prefix(16).map { byte -> String in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }
        let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
        return groups.map { digits[$0].joined() }.joined(separator: "-")
    }
}
