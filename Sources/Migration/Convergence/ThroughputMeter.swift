import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Bytes senders wrote and the wall time during which at least one of them was writing, counted only for writes
/// large enough to say something about the link (a header, a SYNC or a packet of zero pages costs a system call,
/// not bandwidth). Shared by the senders of one kind (all multifd channels, or the main channel) and read by the
/// migration thread to estimate what the channels can carry, as opposed to what the guest gave them to carry.
///
/// The time is the union of the writes' intervals, not their sum: parallel channels that wait for the same two
/// CPUs must not count as twice the link, and gaps in which no sender had work do not count at all.
final class ThroughputMeter: Sendable {
    /// Writes smaller than this are not timed.
    static let minimumBytes = 64 << 10
    /// Intervals kept between two readings (older ones are merged away).
    static let maximumIntervals = 4096

    private struct State {
        var bytes: UInt64 = 0
        var intervals: [(start: UInt64, end: UInt64)] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Runs `write`, which puts `count` bytes on the channel, and accounts for it when `count` is large enough.
    func measure<T>(bytes count: Int, _ write: () throws -> T) rethrows -> T {
        guard count >= Self.minimumBytes else { return try write() }
        let start = HostClock.monotonicNanoseconds()
        let result = try write()
        record(bytes: count, start: start, end: HostClock.monotonicNanoseconds())
        return result
    }

    /// Adds one write of `count` bytes that lasted from `start` to `end` (monotonic nanoseconds).
    func record(bytes count: Int, start: UInt64, end: UInt64) {
        state.withLockedValue {
            $0.bytes &+= UInt64(count)
            $0.intervals.append((start, max(start, end)))
            if $0.intervals.count > Self.maximumIntervals {
                $0.intervals = Self.merged($0.intervals)
            }
        }
    }

    /// What was recorded since the last call: bytes, and the nanoseconds during which some write was under way.
    func take() -> (bytes: UInt64, nanoseconds: UInt64) {
        let (bytes, intervals) = state.withLockedValue { state in
            defer { state = State() }
            return (state.bytes, state.intervals)
        }
        let busy = Self.merged(intervals).reduce(UInt64(0)) { $0 &+ ($1.end - $1.start) }
        return (bytes, busy)
    }

    /// The union of `intervals` as disjoint, sorted intervals.
    static func merged(_ intervals: [(start: UInt64, end: UInt64)]) -> [(start: UInt64, end: UInt64)] {
        var result: [(start: UInt64, end: UInt64)] = []
        for interval in intervals.sorted(by: { $0.start < $1.start }) {
            if let last = result.last, interval.start <= last.end {
                result[result.count - 1].end = max(last.end, interval.end)
            } else {
                result.append(interval)
            }
        }
        return result
    }
}
