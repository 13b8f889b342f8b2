import Glibc

/// The one owner of clock readings: `CLOCK_MONOTONIC` for intervals, rates and deadlines (the clock
/// `PThreadCondition` times out on), `CLOCK_REALTIME` only where two processes compare instants (downtime), and a
/// thread's CPU time. Named so as not to shadow Swift's `Clock` protocol; intervals handed to waits are `Duration`.
package enum HostClock {
    /// Monotonic time in nanoseconds since an arbitrary fixed point.
    package static func monotonicNanoseconds() -> UInt64 {
        reading(CLOCK_MONOTONIC)
    }

    /// Monotonic time in milliseconds.
    package static func monotonicMilliseconds() -> UInt64 {
        monotonicNanoseconds() / 1_000_000
    }

    /// Monotonic time in seconds.
    package static var monotonicSeconds: Double {
        Double(monotonicNanoseconds()) / 1e9
    }

    /// Wall-clock time in nanoseconds since the epoch (shared between processes on one host).
    package static func realtimeNanoseconds() -> UInt64 {
        reading(CLOCK_REALTIME)
    }

    /// CPU time consumed by the calling thread, in nanoseconds.
    package static func threadCPUNanoseconds() -> UInt64 {
        reading(CLOCK_THREAD_CPUTIME_ID)
    }

    /// Monotonic nanoseconds less the time the calling thread has spent ready to run but waiting for a CPU (the
    /// second field of `/proc/thread-self/schedstat`): it advances while the thread runs or blocks (on a device, a
    /// socket, a sleep), not while the host's other work keeps it off the CPUs. Only differences of readings on
    /// one thread mean anything. Where the kernel does not report the wait, this is plain monotonic time.
    ///
    /// The wait is read on both sides of the clock, and the reading retried when the thread waited in between: only
    /// such a consistent reading is monotonic. After a few retries it takes the last one, which may run slightly
    /// behind an earlier reading, so callers take differences saturating at zero.
    package static func threadUnqueuedNanoseconds() -> UInt64 {
        var attempts = 0
        while true {
            let before = runQueueWaitNanoseconds() ?? 0
            let now = monotonicNanoseconds()
            let after = runQueueWaitNanoseconds() ?? 0
            attempts += 1
            if before == after || attempts == 3 { return now &- min(after, now) }
        }
    }


    /// Sleeps the calling thread for `duration` (signals do not cut it short).
    package static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = max(duration, .zero).components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }

    /// Sleeps the calling thread until `deadline`, a `monotonicNanoseconds()` value, has passed.
    package static func sleep(untilMonotonicNanoseconds deadline: UInt64) {
        let now = monotonicNanoseconds()
        guard deadline > now else { return }
        sleep(for: .nanoseconds(Int64(deadline - now)))
    }

    /// Nanoseconds the calling thread has waited on a run queue, from `/proc/thread-self/schedstat`
    /// ("cpu-time run-queue-wait timeslices"), or nil when it cannot be read.
    private static func runQueueWaitNanoseconds() -> UInt64? {
        let descriptor = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let count = withUnsafeMutableBytes(of: &buffer) { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return withUnsafeBytes(of: &buffer) { bytes in
            let fields = bytes.prefix(count).split(separator: UInt8(ascii: " "))
            guard fields.count >= 2 else { return nil }
            var value: UInt64 = 0
            for digit in fields[1] {
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                value = value &* 10 &+ UInt64(digit - UInt8(ascii: "0"))
            }
            return value
        }
    }

    private static func reading(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
