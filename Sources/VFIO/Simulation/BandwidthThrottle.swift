import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Paces transfers to a byte rate by sleeping the calling thread, as a slow data fd would
/// block it. Concurrent callers share the rate.
final class BandwidthThrottle: Sendable {
    /// Bytes per second; 0 means unlimited.
    let bytesPerSecond: UInt64
    /// The monotonic time at which the link is free again.
    private let freeAt: NIOLockedValueBox<UInt64>

    /// A throttle for `bytesPerSecond` (0 = unlimited).
    init(bytesPerSecond: UInt64) {
        self.bytesPerSecond = bytesPerSecond
        freeAt = NIOLockedValueBox(0)
    }

    /// How far the link may run ahead to catch up after its user was late (a device buffers that much data
    /// while nobody reads it): a thread that oversleeps or waits for a CPU does not lose that time for good.
    static let catchUpNanoseconds: UInt64 = 2_000_000

    /// Accounts for `bytes` just transferred by an operation that began at `startedAt` (a `HostClock.monotonicNanoseconds()`
    /// value) and sleeps until the rate allows them. The time the operation itself took counts towards the
    /// transfer, as on a real link: producing the bytes and waiting for the link overlap, they do not add up;
    /// and up to `catchUpNanoseconds` of time the caller was late is made up for.
    func pace(bytes: Int, startedAt: UInt64) {
        guard bytesPerSecond > 0, bytes > 0 else { return }
        let cost = UInt64((Double(bytes) * 1e9 / Double(bytesPerSecond)).rounded(.up))
        let deadline = freeAt.withLockedValue { free -> UInt64 in
            let earliest = startedAt > Self.catchUpNanoseconds ? startedAt - Self.catchUpNanoseconds : 0
            let start = max(free, earliest)
            free = start + cost
            return free
        }
        HostClock.sleep(untilMonotonicNanoseconds: deadline)
    }
}
