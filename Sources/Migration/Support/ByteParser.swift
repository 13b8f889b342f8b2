/// Reads big-endian integers from a byte array; reading past the end throws.
struct ByteParser {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - position }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw MigrationError("Truncated record: needed \(count) bytes, \(remaining) left")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func get8() throws -> UInt8 {
        try take(1).first!
    }

    mutating func get16() throws -> UInt16 {
        try take(2).reduce(0) { $0 << 8 | UInt16($1) }
    }

    mutating func get32() throws -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func get64() throws -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func getBytes(_ count: Int) throws -> [UInt8] {
        Array(try take(count))
    }
}
