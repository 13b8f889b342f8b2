/// Buffered reader of the main stream with bounded reads: every length taken from the wire is checked against
/// a caller-supplied limit before anything is allocated.
///
/// Used by one thread at a time (the main load thread).
final class MainStreamReader {
    private static let capacity = 256 << 10

    private let connection: SocketConnection
    private let buffer: UnsafeMutableRawPointer
    private var start = 0
    private var end = 0

    /// Creates a reader whose first bytes are `prefix` (bytes already consumed to identify the channel).
    init(connection: SocketConnection, prefix: [UInt8] = []) {
        self.connection = connection
        buffer = .allocate(byteCount: MainStreamReader.capacity, alignment: 16)
        let count = min(prefix.count, MainStreamReader.capacity)
        if count > 0 {
            prefix.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: count) }
        }
        end = count
    }

    deinit {
        buffer.deallocate()
    }

    private var available: Int { end - start }

    /// Makes at least `count` (≤ capacity) bytes available in the buffer.
    private func fill(_ count: Int) throws {
        if available >= count { return }
        if start > 0 {
            buffer.copyMemory(from: buffer + start, byteCount: available)
            end = available
            start = 0
        }
        while end < count {
            let got = try connection.readSome(into: buffer + end, capacity: MainStreamReader.capacity - end)
            if got == 0 {
                throw SocketConnection.endOfFile
            }
            end += got
        }
    }

    func get8() throws -> UInt8 {
        try fill(1)
        defer { start += 1 }
        return buffer.load(fromByteOffset: start, as: UInt8.self)
    }

    /// The next byte without consuming it.
    func peek8() throws -> UInt8 {
        try fill(1)
        return buffer.load(fromByteOffset: start, as: UInt8.self)
    }

    func get16() throws -> UInt16 {
        try fill(2)
        defer { start += 2 }
        return UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt16.self))
    }

    func get32() throws -> UInt32 {
        try fill(4)
        defer { start += 4 }
        return UnsafeRawPointer(buffer).loadBE32(at: start)
    }

    func get64() throws -> UInt64 {
        try fill(8)
        defer { start += 8 }
        return UnsafeRawPointer(buffer).loadBE64(at: start)
    }

    /// Reads `count` bytes after checking `count <= limit` (`what` names the field in the error).
    func getBytes(_ count: Int, limit: Int, what: String) throws -> [UInt8] {
        guard count <= limit else {
            throw MigrationError("\(what): length \(count) exceeds the limit of \(limit) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { raw in
            if count > 0 {
                try read(into: raw.baseAddress!, count: count)
            }
        }
        return bytes
    }

    /// u8 length + bytes, decoded as UTF-8 (idstr, block names).
    func getString8() throws -> String {
        let length = Int(try get8())
        return String(decoding: try getBytes(length, limit: QEVM.maxIdstrLength, what: "idstr"), as: UTF8.self)
    }

    /// Drops what is buffered and continues reading at file offset `offset` (`file:` only; mapped-ram skips its
    /// regions).
    func seek(to offset: UInt64) throws {
        start = 0
        end = 0
        try connection.seek(to: offset)
    }

    /// Reads exactly `count` bytes at file offset `offset` into `destination`, outside the stream (`file:` only).
    func read(into destination: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws {
        try connection.readExactly(into: destination, count: count, at: offset)
    }

    /// Reads exactly `count` bytes into `destination` (guest pages are read straight into guest RAM).
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws {
        var done = min(available, count)
        destination.copyMemory(from: buffer + start, byteCount: done)
        start += done
        while done < count {
            let left = count - done
            if left >= MainStreamReader.capacity / 2 {
                try connection.readExactly(into: destination + done, count: left)
                return
            }
            try fill(1)
            let chunk = min(available, left)
            (destination + done).copyMemory(from: buffer + start, byteCount: chunk)
            start += chunk
            done += chunk
        }
    }
}
