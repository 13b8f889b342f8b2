import Glibc
import Synchronization

/// Buffered writer of the main stream. Small fields are copied into a scratch buffer; guest pages are referenced
/// in place and go out with the scratch bytes in one `sendmsg` of up to 512 iovecs (no copy of page data).
///
/// Used by one thread at a time (the migration thread).
final class MainStreamWriter {
    private static let scratchCapacity = 256 << 10
    private static let vectorCapacity = 512

    private let connection: SocketConnection
    let counter: ByteCounter
    /// Times the large writes, for the link estimate.
    let meter: ThroughputMeter
    private var unflushedBytes = 0
    private let scratch: UnsafeMutableRawPointer
    private var scratchUsed = 0
    private let vector: UnsafeMutablePointer<iovec>
    private var vectorCount = 0
    /// True when the last iovec ends at the end of the scratch bytes (so new bytes extend it).
    private var lastIsScratch = false

    init(connection: SocketConnection, counter: ByteCounter, meter: ThroughputMeter = ThroughputMeter()) {
        self.connection = connection
        self.counter = counter
        self.meter = meter
        scratch = .allocate(byteCount: MainStreamWriter.scratchCapacity, alignment: 16)
        vector = .allocate(capacity: MainStreamWriter.vectorCapacity)
    }

    deinit {
        scratch.deallocate()
        vector.deallocate()
    }

    func put8(_ value: UInt8) throws {
        try withScratch(1) { $0.storeBytes(of: value, as: UInt8.self) }
    }

    func put16(_ value: UInt16) throws {
        try withScratch(2) { $0.storeBytes(of: value.bigEndian, as: UInt16.self) }
    }

    func put32(_ value: UInt32) throws {
        try withScratch(4) { $0.storeBE32(value, at: 0) }
    }

    func put64(_ value: UInt64) throws {
        try withScratch(8) { $0.storeBE64(value, at: 0) }
    }

    /// Appends bytes (copied; large buffers are written through directly).
    func putBytes(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        if bytes.count > MainStreamWriter.scratchCapacity / 4 {
            try flush()
            try meter.measure(bytes: bytes.count) { try connection.writeAll(bytes.baseAddress!, count: bytes.count) }
            counter.add(bytes.count)
            return
        }
        try withScratch(bytes.count) { $0.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
    }

    func putBytes(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try putBytes($0) }
    }

    /// u8 length + bytes (idstr, block names); longer strings are refused.
    func putString8(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= QEVM.maxIdstrLength else {
            throw MigrationError("Name '\(text)' is longer than \(QEVM.maxIdstrLength) bytes")
        }
        try put8(UInt8(bytes.count))
        try putBytes(bytes)
    }

    /// References one guest page (4 KiB) to be sent in place at the next flush.
    func putPage(_ page: UnsafeRawPointer) throws {
        if vectorCount == MainStreamWriter.vectorCapacity {
            try flush()
        }
        vector[vectorCount] = iovec(iov_base: UnsafeMutableRawPointer(mutating: page), iov_len: GuestMemory.pageSize)
        vectorCount += 1
        lastIsScratch = false
        counter.add(GuestMemory.pageSize)
        unflushedBytes += GuestMemory.pageSize
    }

    /// The file offset the next byte goes to (`file:` only; flushes first).
    func fileOffset() throws -> UInt64 {
        try flush()
        return try connection.fileOffset()
    }

    /// Flushes, then continues the stream at file offset `offset` (`file:` only; mapped-ram skips its regions).
    func seek(to offset: UInt64) throws {
        try flush()
        try connection.seek(to: offset)
    }

    /// Writes `count` bytes at `pointer` to file offset `offset`, outside the stream (`file:` only, mapped-ram).
    func write(_ pointer: UnsafeRawPointer, count: Int, at offset: UInt64) throws {
        try meter.measure(bytes: count) { try connection.writeAll(pointer, count: count, at: offset) }
        counter.add(count)
    }

    /// Sends everything buffered.
    func flush() throws {
        guard vectorCount > 0 else { return }
        defer {
            vectorCount = 0
            scratchUsed = 0
            lastIsScratch = false
            unflushedBytes = 0
        }
        try meter.measure(bytes: unflushedBytes) { try connection.writevAll(vector, count: vectorCount) }
    }

    private func withScratch(_ count: Int, _ body: (UnsafeMutableRawPointer) -> Void) throws {
        if scratchUsed + count > MainStreamWriter.scratchCapacity || vectorCount == MainStreamWriter.vectorCapacity {
            try flush()
        }
        body(scratch + scratchUsed)
        if lastIsScratch {
            vector[vectorCount - 1].iov_len += count
        } else {
            vector[vectorCount] = iovec(iov_base: scratch + scratchUsed, iov_len: count)
            vectorCount += 1
            lastIsScratch = true
        }
        scratchUsed += count
        counter.add(count)
        unflushedBytes += count
    }
}
