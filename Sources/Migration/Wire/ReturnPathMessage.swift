/// Messages on the return path (the reverse direction of the main socket): be16 type, be16 length, payload.
///
/// QEMU's `MIG_RP_MSG_SHUT` (1, be32 error flag) and `MIG_RP_MSG_SWITCHOVER_ACK` (7, empty), plus vmig's
/// `RESULT` (0x0100): u8 status (0 completed, 1 failed), u8 reserved, be64 destination resume time (ns since the
/// epoch, 0 when failed), be16 message length, message (UTF-8, at most 1024 bytes).
public enum ReturnPathMessage: Sendable, Equatable {
    case shut(error: Bool)
    case switchoverAck
    case result(completed: Bool, resumeRealtimeNanoseconds: UInt64, message: String)

    static let typeShut: UInt16 = 1
    static let typeSwitchoverAck: UInt16 = 7
    static let typeResult: UInt16 = 0x0100
    static let maxMessage = 1024

    /// The wire bytes.
    public func encode() -> [UInt8] {
        var payload = ByteBuilder()
        let type: UInt16
        switch self {
        case .shut(let error):
            type = Self.typeShut
            payload.put32(error ? 1 : 0)
        case .switchoverAck:
            type = Self.typeSwitchoverAck
        case .result(let completed, let resume, let message):
            type = Self.typeResult
            let text = Array(message.utf8.prefix(Self.maxMessage))
            payload.put8(completed ? 0 : 1)
            payload.put8(0)
            payload.put64(resume)
            payload.put16(UInt16(text.count))
            payload.putBytes(text)
        }
        var builder = ByteBuilder()
        builder.put16(type)
        builder.put16(UInt16(payload.bytes.count))
        builder.putBytes(payload.bytes)
        return builder.bytes
    }

    /// Reads one message, checking type and length before reading the payload.
    static func read(from connection: SocketConnection) throws -> ReturnPathMessage {
        var header = ByteParser(try connection.read(count: 4))
        let type = try header.get16()
        let length = Int(try header.get16())
        switch (type, length) {
        case (typeShut, 4):
            var parser = ByteParser(try connection.read(count: 4))
            return .shut(error: try parser.get32() != 0)
        case (typeSwitchoverAck, 0):
            return .switchoverAck
        case (typeResult, 12...(12 + maxMessage)):
            return try decodeResult(try connection.read(count: length))
        default:
            throw MigrationError("Received invalid message 0x\(hex4(type)) length 0x\(hex4(UInt16(length)))")
        }
    }

    private static func decodeResult(_ bytes: [UInt8]) throws -> ReturnPathMessage {
        var parser = ByteParser(bytes)
        let status = try parser.get8()
        _ = try parser.get8()
        let resume = try parser.get64()
        let length = Int(try parser.get16())
        guard length == parser.remaining else {
            throw MigrationError("Received invalid result message (text length \(length))")
        }
        let text = String(decoding: try parser.getBytes(length), as: UTF8.self)
        return .result(completed: status == 0, resumeRealtimeNanoseconds: resume, message: text)
    }

    private static func hex4(_ value: UInt16) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 4 - text.count) + text
    }
}
