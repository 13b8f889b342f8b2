import QEMUFormats

/// Messages on the return path (the reverse direction of the main socket): be16 type, be16 length, payload.
///
/// QEMU's `MIG_RP_MSG_SHUT` (1, be32 error flag), `MIG_RP_MSG_PONG` (2, be32 the PING's value) and
/// `MIG_RP_MSG_SWITCHOVER_ACK` (7, empty), plus vmig's
/// `RESULT` (0x0100): u8 status (0 completed, 1 failed), u8 reserved, be64 destination resume time (ns since the
/// epoch, 0 when failed), be16 message length, message (UTF-8, at most 1024 bytes).
package enum ReturnPathMessage: Sendable, Equatable {
    case shut(error: Bool)
    case pong(UInt32)
    case switchoverAck
    case result(completed: Bool, resumeRealtimeNanoseconds: UInt64, message: String)

    static let typeShut: UInt16 = 1
    static let typePong: UInt16 = 2
    static let typeSwitchoverAck: UInt16 = 7
    static let typeResult: UInt16 = 0x0100
    static let maxMessage = 1024

    /// The wire bytes.
    package func encode() -> [UInt8] {
        var payload = ByteArrayWriter()
        let type: UInt16
        switch self {
        case .shut(let error):
            type = Self.typeShut
            payload.writeBE32(error ? 1 : 0)
        case .pong(let value):
            type = Self.typePong
            payload.writeBE32(value)
        case .switchoverAck:
            type = Self.typeSwitchoverAck
        case .result(let completed, let resume, let message):
            type = Self.typeResult
            let text = Array(message.utf8.prefix(Self.maxMessage))
            payload.write8(completed ? 0 : 1)
            payload.write8(0)
            payload.writeBE64(resume)
            payload.writeBE16(UInt16(text.count))
            payload.write(bytes: Array(text))
        }
        var builder = ByteArrayWriter()
        builder.writeBE16(type)
        builder.writeBE16(UInt16(payload.bytes.count))
        builder.write(bytes: Array(payload.bytes))
        return builder.bytes
    }

    /// Reads one message, checking type and length before reading the payload.
    static func read(from connection: SocketConnection) throws -> ReturnPathMessage {
        var header = ByteArrayReader(record: try connection.read(count: 4))
        let type = try header.readBE16()
        let length = Int(try header.readBE16())
        switch (type, length) {
        case (typeShut, 4):
            var parser = ByteArrayReader(record: try connection.read(count: 4))
            return .shut(error: try parser.readBE32() != 0)
        case (typePong, 4):
            var parser = ByteArrayReader(record: try connection.read(count: 4))
            return .pong(try parser.readBE32())
        case (typeSwitchoverAck, 0):
            return .switchoverAck
        case (typeResult, 12...(12 + maxMessage)):
            return try decodeResult(try connection.read(count: length))
        default:
            throw MigrationError("Received invalid message 0x\(hex4(type)) length 0x\(hex4(UInt16(length)))")
        }
    }

    private static func decodeResult(_ bytes: [UInt8]) throws -> ReturnPathMessage {
        var parser = ByteArrayReader(record: bytes)
        let status = try parser.read8()
        _ = try parser.read8()
        let resume = try parser.readBE64()
        let length = Int(try parser.readBE16())
        guard length == parser.remaining else {
            throw MigrationError("Received invalid result message (text length \(length))")
        }
        let text = String(decoding: try parser.readBytes(count: length), as: UTF8.self)
        return .result(completed: status == 0, resumeRealtimeNanoseconds: resume, message: text)
    }

    private static func hex4(_ value: UInt16) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 4 - text.count) + text
    }
}
