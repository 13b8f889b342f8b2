import Glibc

/// A point in time on `CLOCK_MONOTONIC`, the clock `PThreadCondition` times out on. The rest of the code measures
/// time with the standard library's `ContinuousClock`; this type exists only to hand pthreads an absolute time.
package struct MonotonicDeadline: Sendable {
    /// The deadline as pthreads wants it.
    let timespec: timespec

    /// `timeout` from now.
    package init(after timeout: Duration) {
        var now = Glibc.timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = max(timeout, .zero).components
        let nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        timespec = Glibc.timespec(tv_sec: now.tv_sec + Int(seconds) + nanoseconds / 1_000_000_000,
                                  tv_nsec: nanoseconds % 1_000_000_000)
    }
}
