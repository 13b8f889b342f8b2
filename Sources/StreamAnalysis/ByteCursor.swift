/// Reads big-endian fields of a `MappedFile` at a moving offset. Every read checks that the bytes are there first and
/// throws an `AnalysisError` naming the offset and the field (`what`) otherwise; nothing is copied or allocated.
struct ByteCursor {
    let file: MappedFile
    /// Offset of the next byte.
    var offset: Int

    /// Bytes left after `offset`.
    var remaining: Int { file.size - offset }

    var atEnd: Bool { offset >= file.size }

    /// An error at `at` (default: the current offset).
    func error(_ message: String, at: Int? = nil) -> AnalysisError {
        AnalysisError(file: file.path, offset: at ?? offset, message: message)
    }

    /// The next `count` bytes in place, after checking they exist.
    mutating func bytes(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw error("expected \(count) bytes (\(what())), found end of file after \(max(remaining, 0))")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(start: file.base.map { $0 + offset }, count: count)
    }

    /// Skips `count` bytes, which must exist.
    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws {
        _ = try bytes(count, what())
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 {
        try bytes(1, what())[0]
    }

    /// The next byte without consuming it (nil at the end).
    func peek8() -> UInt8? {
        atEnd ? nil : file.base!.load(fromByteOffset: offset, as: UInt8.self)
    }

    mutating func be16(_ what: @autoclosure () -> String) throws -> UInt16 {
        UInt16(bigEndian: try bytes(2, what()).loadUnaligned(as: UInt16.self))
    }

    mutating func be32(_ what: @autoclosure () -> String) throws -> UInt32 {
        UInt32(bigEndian: try bytes(4, what()).loadUnaligned(as: UInt32.self))
    }

    mutating func be64(_ what: @autoclosure () -> String) throws -> UInt64 {
        UInt64(bigEndian: try bytes(8, what()).loadUnaligned(as: UInt64.self))
    }

    /// u8 length + that many bytes as text (idstr, block names).
    mutating func string8(_ what: @autoclosure () -> String) throws -> String {
        let length = Int(try u8("\(what()) length"))
        return String(decoding: try bytes(length, what()), as: UTF8.self)
    }

    /// A NUL-terminated name in a fixed field of `width` bytes, or nil when it has no NUL.
    static func fixedName(_ field: UnsafeRawBufferPointer) -> String? {
        guard let end = field.firstIndex(of: 0) else { return nil }
        return String(decoding: field[..<end], as: UTF8.self)
    }
}

/// `0x` + lowercase hex.
func hex<T: BinaryInteger>(_ value: T) -> String {
    "0x" + String(value, radix: 16)
}
