import QEMUFormats

extension BigEndianReader {
    /// Reads `count` bytes, refusing counts above `cap` before allocating anything (`what` names the field in the
    /// error).
    package mutating func readBytes(count: UInt64, cap: UInt64, what: String) throws -> [UInt8] {
        try readBytes(count: count, cap: cap) { VFIOError("\(what) of \(count) bytes exceeds the limit of \(cap)") }
    }
}

extension BigEndianWriter {
    /// Appends a VFIO stream tag.
    package mutating func write(tag: VFIOStreamTag) throws(Failure) {
        try writeBE64(tag.rawValue)
    }
}
