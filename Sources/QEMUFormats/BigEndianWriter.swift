/// A sink for big-endian data (QEMU's stream byte order): the main migration stream, a device's section payload or
/// bytes in memory (`ByteArrayWriter`, which cannot fail). Conformers supply `write`; the integer writers come with
/// it and throw what it throws.
package protocol BigEndianWriter {
    /// What `write` throws (`Never` for memory).
    associatedtype Failure: Error

    /// Appends `bytes`.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(Failure)
}

extension BigEndianWriter {
    /// Appends a byte.
    package mutating func write8(_ value: UInt8) throws(Failure) {
        try withUnsafeBytes(of: value) { (raw) throws(Failure) in try write(raw) }
    }

    /// Appends a big-endian 16-bit value.
    package mutating func writeBE16(_ value: UInt16) throws(Failure) {
        try withUnsafeBytes(of: value.bigEndian) { (raw) throws(Failure) in try write(raw) }
    }

    /// Appends a big-endian 32-bit value.
    package mutating func writeBE32(_ value: UInt32) throws(Failure) {
        try withUnsafeBytes(of: value.bigEndian) { (raw) throws(Failure) in try write(raw) }
    }

    /// Appends a big-endian 64-bit value.
    package mutating func writeBE64(_ value: UInt64) throws(Failure) {
        try withUnsafeBytes(of: value.bigEndian) { (raw) throws(Failure) in try write(raw) }
    }

    /// Appends a byte array.
    package mutating func write(bytes: [UInt8]) throws(Failure) {
        // Array's withUnsafeBytes only rethrows untyped errors: carry the typed one out in a Result.
        let written = bytes.withUnsafeBytes { raw in Result { () throws(Failure) in try write(raw) } }
        try written.get()
    }

    /// Appends `value` NUL-padded (or cut) to exactly `width` bytes.
    package mutating func write(fixedString value: String, width: Int) throws(Failure) {
        let utf8 = Array(value.utf8.prefix(width))
        try write(bytes: utf8 + [UInt8](repeating: 0, count: width - utf8.count))
    }

    /// Appends `count` zero bytes.
    package mutating func write(zeros count: Int) throws(Failure) {
        try write(bytes: [UInt8](repeating: 0, count: count))
    }
}

/// A `BigEndianWriter` that collects everything in memory (small records: hello, headers, configuration, device
/// state in tests).
package struct ByteArrayWriter: BigEndianWriter, Sendable {
    /// Everything written so far.
    package private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    package init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends `bytes`.
    package mutating func write(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
    }
}
