import Glibc
import POSIXSupport

/// Waiting for a condition that another process or thread makes true.
package enum Poll {
    /// Checks `condition` every `interval` microseconds until it holds or `timeout` seconds have passed; returns
    /// whether it held (it is checked once more at the deadline).
    package static func until(timeout: Double, interval: useconds_t = 2_000, _ condition: () -> Bool) -> Bool {
        let deadline = HostClock.monotonicSeconds + TestTimeScale.scaled(timeout)
        while HostClock.monotonicSeconds < deadline {
            if condition() { return true }
            usleep(interval)
        }
        return condition()
    }
}
