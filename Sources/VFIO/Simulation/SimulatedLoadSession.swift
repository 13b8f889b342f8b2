#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The incoming data stream of a simulated device in RESUMING: a record parser that checks
/// every header and every payload byte before it changes the device's state.
struct SimulatedLoadSession {
    private var header = [UInt8](repeating: 0, count: SimulatedStatePattern.headerSize)
    private var headerFill = 0
    private var payload = [UInt8](repeating: 0, count: SimulatedStatePattern.pageSize)
    private var payloadFill = 0
    private var current: SimulatedStatePattern.Header?
    /// The seed of the source device, learnt from the first record.
    private(set) var seed: UInt64?
    /// Records applied so far.
    private(set) var recordsApplied = 0

    /// Whether the stream stops inside a record (an incomplete stream).
    var isMidRecord: Bool { headerFill > 0 || current != nil }

    /// Consumes all of `bytes`, applying each complete record to `image`. Records that arrive whole are checked
    /// in place; only one cut between two writes goes through the staging buffers.
    mutating func write(_ bytes: UnsafeRawBufferPointer, image: inout SimulatedDeviceImage) throws(VFIOBackendError) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            if !isMidRecord, let consumed = try takeWholeRecord(rest, image: &image) {
                offset += consumed
                continue
            }
            offset += current == nil ? try takeHeader(rest, image: image) : try takePayload(rest, image: &image)
        }
    }

    /// Checks and applies a record that starts at the beginning of `bytes` and ends inside it; nil when `bytes`
    /// holds less than a whole record.
    private mutating func takeWholeRecord(
        _ bytes: UnsafeRawBufferPointer, image: inout SimulatedDeviceImage
    ) throws(VFIOBackendError) -> Int? {
        let headerSize = SimulatedStatePattern.headerSize
        guard bytes.count >= headerSize else { return nil }
        let record = SimulatedStatePattern.readHeader(bytes)
        try validate(record, image: image)
        let total = headerSize + Int(record.length)
        guard bytes.count >= total else { return nil }
        try apply(record, payload: UnsafeRawBufferPointer(rebasing: bytes[headerSize..<total]), image: &image)
        return total
    }

    private mutating func takeHeader(_ bytes: UnsafeRawBufferPointer, image: SimulatedDeviceImage) throws(VFIOBackendError) -> Int {
        let count = min(bytes.count, header.count - headerFill)
        header.withUnsafeMutableBytes { target in
            target.baseAddress!.advanced(by: headerFill).copyMemory(from: bytes.baseAddress!, byteCount: count)
        }
        headerFill += count
        guard headerFill == header.count else { return count }
        let parsed = header.withUnsafeBytes { SimulatedStatePattern.readHeader($0) }
        try validate(parsed, image: image)
        current = parsed
        headerFill = 0
        payloadFill = 0
        return count
    }

    private mutating func validate(_ record: SimulatedStatePattern.Header, image: SimulatedDeviceImage) throws(VFIOBackendError) {
        guard record.magic == SimulatedStatePattern.recordMagic else {
            throw Self.invalid("record \(recordsApplied) has bad magic 0x\(String(record.magic, radix: 16))")
        }
        guard Int(record.page) < image.pageCount else {
            throw Self.invalid("record for page \(record.page) but the device has \(image.pageCount) pages")
        }
        guard Int(record.length) == image.pageLength(Int(record.page)) else {
            throw Self.invalid("record for page \(record.page) has length \(record.length)")
        }
        guard record.generation != SimulatedStatePattern.unwrittenGeneration else {
            throw Self.invalid("record for page \(record.page) has an invalid generation")
        }
        if let seed, seed != record.seed {
            throw Self.invalid("record for page \(record.page) comes from another device")
        }
    }

    private mutating func takePayload(
        _ bytes: UnsafeRawBufferPointer, image: inout SimulatedDeviceImage
    ) throws(VFIOBackendError) -> Int {
        guard let record = current else { return 0 }
        let count = min(bytes.count, Int(record.length) - payloadFill)
        payload.withUnsafeMutableBytes { target in
            target.baseAddress!.advanced(by: payloadFill).copyMemory(from: bytes.baseAddress!, byteCount: count)
        }
        payloadFill += count
        guard payloadFill == Int(record.length) else { return count }
        let staged = payload
        let failure = staged.withUnsafeBytes { bytes -> VFIOBackendError? in
            do throws(VFIOBackendError) {
                try apply(record, payload: UnsafeRawBufferPointer(rebasing: bytes[0..<Int(record.length)]), image: &image)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return count
    }

    private mutating func apply(
        _ record: SimulatedStatePattern.Header, payload: UnsafeRawBufferPointer, image: inout SimulatedDeviceImage
    ) throws(VFIOBackendError) {
        let intact = SimulatedStatePattern.matches(
            payload, seed: record.seed, page: record.page, generation: record.generation)
        guard intact else {
            throw Self.invalid("record for page \(record.page) generation \(record.generation) is corrupt")
        }
        image.generations[Int(record.page)] = record.generation
        image.seed = record.seed
        seed = record.seed
        current = nil
        recordsApplied += 1
    }

    private static func invalid(_ reason: String) -> VFIOBackendError {
        VFIOBackendError(errno: EINVAL, operation: "write: \(reason)")
    }
}
