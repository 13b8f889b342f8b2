import POSIXSupport

/// `max-bandwidth` during precopy, as a token bucket: the allowance grows at the limit's rate, up to one 100 ms
/// window's worth of burst, and every byte written is paid for, including bytes that were still in flight on a
/// multifd channel when the budget ran out. QEMU resets its budget every 100 ms and forgives what a window sent
/// beyond it, which let multifd exceed the limit about twice over; the debt carried here holds the average.
///
/// Owned by the migration thread. Disabled at switchover, as QEMU does (`migration_rate_set(RATE_LIMIT_DISABLED)`).
struct RateLimiter {
    /// Largest burst, in seconds of the limit's rate.
    static let burstSeconds = 0.1

    private var tokens: Double = 0
    private var lastTime = HostClock.monotonicNanoseconds()
    private var lastBytes: UInt64
    private var bytesPerSecond: UInt64 = 0

    /// Starts counting at `transferred` bytes.
    init(transferred: UInt64) {
        lastBytes = transferred
    }

    /// Brings the bucket up to date: refills for the time passed at `limit` bytes/s (0 = no limit) and pays for
    /// the bytes written since the last call.
    mutating func update(transferred: UInt64, limit: UInt64) {
        let now = HostClock.monotonicNanoseconds()
        if limit != bytesPerSecond {
            bytesPerSecond = limit
            tokens = min(tokens, burst)
        }
        tokens = min(tokens + Double(now &- lastTime) / 1e9 * Double(limit), burst)
        tokens -= Double(transferred &- lastBytes)
        lastTime = now
        lastBytes = transferred
    }

    /// True while the bytes written are ahead of the limit.
    var exceeded: Bool {
        bytesPerSecond > 0 && tokens < 0
    }

    /// Milliseconds until the debt is paid (0 when not exceeded).
    var millisecondsToWait: Int {
        guard exceeded else { return 0 }
        return Int((-tokens / Double(bytesPerSecond) * 1000).rounded(.up))
    }

    private var burst: Double {
        Double(bytesPerSecond) * Self.burstSeconds
    }
}
