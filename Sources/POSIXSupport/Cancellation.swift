import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// A one-way stop signal shared by a group of threads: `cancel()` raises it once and wakes at once every thread
/// blocked in a `Semaphore` or `PThreadCondition` wait that named it, instead of each noticing a flag on its next
/// poll.
///
/// Lock order: a waiter registers while holding its own mutex (that mutex, then this object's lock); `cancel()`
/// calls the wake-ups with no lock of this object held, and each takes only its waiter's mutex.
package final class Cancellation: Sendable {
    private struct Waiters {
        var nextID = 0
        var wakeUps: [Int: @Sendable () -> Void] = [:]
    }

    private let flag = Atomic<Bool>(false)
    private let waiters = NIOLockedValueBox(Waiters())

    /// A cancellation that has not fired.
    package init() {}

    /// True once `cancel()` was called.
    package var isCancelled: Bool {
        flag.load(ordering: .acquiring)
    }

    /// Raises the flag and wakes every registered waiter. Returns true for the call that raised it; later calls
    /// do nothing.
    @discardableResult
    package func cancel() -> Bool {
        let wakeUps = waiters.withLockedValue { state -> [@Sendable () -> Void]? in
            guard !flag.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
            defer { state.wakeUps.removeAll() }
            return Array(state.wakeUps.values)
        }
        guard let wakeUps else { return false }
        for wake in wakeUps {
            wake()
        }
        return true
    }

    /// Sleeps the calling thread for `duration`, or less when this fires first. Returns `isCancelled`.
    @discardableResult
    package func sleep(for duration: Duration) -> Bool {
        _ = Semaphore().wait(unlessCancelled: self, timeout: duration)
        return isCancelled
    }

    /// Runs `body` (a wait) with `wake` registered, so that a `cancel()` meanwhile calls it. After a cancel
    /// nothing is registered: the waiter must check `isCancelled` under its mutex before blocking.
    func whileRegistered<R>(_ wake: @escaping @Sendable () -> Void, _ body: () throws -> R) rethrows -> R {
        let id = waiters.withLockedValue { state -> Int? in
            guard !isCancelled else { return nil }
            state.nextID += 1
            state.wakeUps[state.nextID] = wake
            return state.nextID
        }
        defer {
            if let id { waiters.withLockedValue { _ = $0.wakeUps.removeValue(forKey: id) } }
        }
        return try body()
    }
}
