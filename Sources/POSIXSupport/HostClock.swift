import Glibc

/// The one owner of clock readings: `CLOCK_MONOTONIC` for intervals, rates and deadlines (the clock
/// `PThreadCondition` times out on), `CLOCK_REALTIME` only where two processes compare instants (downtime), and a
/// thread's CPU time. Named so as not to shadow Swift's `Clock` protocol; intervals handed to waits are `Duration`.
public enum HostClock {
    /// Monotonic time in nanoseconds since an arbitrary fixed point.
    public static func monotonicNanoseconds() -> UInt64 {
        reading(CLOCK_MONOTONIC)
    }

    /// Monotonic time in milliseconds.
    public static func monotonicMilliseconds() -> UInt64 {
        monotonicNanoseconds() / 1_000_000
    }

    /// Monotonic time in seconds.
    public static var monotonicSeconds: Double {
        Double(monotonicNanoseconds()) / 1e9
    }

    /// Wall-clock time in nanoseconds since the epoch (shared between processes on one host).
    public static func realtimeNanoseconds() -> UInt64 {
        reading(CLOCK_REALTIME)
    }

    /// CPU time consumed by the calling thread, in nanoseconds.
    public static func threadCPUNanoseconds() -> UInt64 {
        reading(CLOCK_THREAD_CPUTIME_ID)
    }

    /// Sleeps the calling thread for `duration` (signals do not cut it short).
    public static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = max(duration, .zero).components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }

    /// Sleeps the calling thread until `deadline`, a `monotonicNanoseconds()` value, has passed.
    public static func sleep(untilMonotonicNanoseconds deadline: UInt64) {
        let now = monotonicNanoseconds()
        guard deadline > now else { return }
        sleep(for: .nanoseconds(Int64(deadline - now)))
    }

    private static func reading(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
