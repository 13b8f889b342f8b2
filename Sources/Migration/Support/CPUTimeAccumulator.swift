import Glibc
import Synchronization

/// Sums the CPU time of the threads that one side of a migration used.
package final class CPUTimeAccumulator: Sendable {
    private let total = Atomic<UInt64>(0)

    /// Creates an empty accumulator.
    package init() {}

    /// Adds an ended thread's CPU time.
    func threadEnded(nanoseconds: UInt64) {
        total.wrappingAdd(nanoseconds, ordering: .relaxed)
    }

    /// The accumulated CPU time in seconds.
    package var seconds: Double {
        Double(total.load(ordering: .relaxed)) / 1e9
    }
}
