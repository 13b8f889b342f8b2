import Synchronization

/// Bytes a sender wrote and the wall time it spent writing them, counted only for writes large enough to say
/// something about the link (a header or a SYNC costs a system call, not bandwidth). Read by the migration
/// thread to estimate what the channels can carry, as opposed to what the guest gave them to carry.
///
/// One meter per channel; each is written by the one thread that owns the channel.
final class ThroughputMeter: Sendable {
    /// Writes smaller than this are not timed.
    static let minimumBytes = 64 << 10

    private let bytes = Atomic<UInt64>(0)
    private let nanoseconds = Atomic<UInt64>(0)

    /// Runs `write`, which puts `count` bytes on the channel, and accounts for it when `count` is large enough.
    func measure<T>(bytes count: Int, _ write: () throws -> T) rethrows -> T {
        guard count >= Self.minimumBytes else { return try write() }
        let start = Clock.monotonicNanoseconds()
        let result = try write()
        record(bytes: count, nanoseconds: Clock.monotonicNanoseconds() - start)
        return result
    }

    /// Adds one timed write.
    func record(bytes count: Int, nanoseconds elapsed: UInt64) {
        bytes.wrappingAdd(UInt64(count), ordering: .relaxed)
        nanoseconds.wrappingAdd(elapsed, ordering: .relaxed)
    }

    /// The running totals: timed bytes and the nanoseconds spent writing them.
    var totals: (bytes: UInt64, nanoseconds: UInt64) {
        (bytes.load(ordering: .relaxed), nanoseconds.load(ordering: .relaxed))
    }
}
