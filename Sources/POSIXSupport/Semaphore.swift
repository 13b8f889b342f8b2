/// A counting semaphore for the blocking hand-offs of the data path (as QEMU's QemuSemaphore), built on a
/// `PThreadMutex` and a `PThreadCondition`, so its timed waits run on `CLOCK_MONOTONIC` and a `Cancellation` can
/// wake its waiters.
///
/// Shared state itself lives in `Mutex`/`Atomic`; semaphores only carry wake-ups.
package final class Semaphore: @unchecked Sendable {
    // @unchecked: `count` is only touched with `mutex` held.
    private let mutex = PThreadMutex()
    private let posted = PThreadCondition()
    private var count: Int

    /// Creates a semaphore with an initial count.
    package init(value: Int = 0) {
        count = value
    }

    /// Increments the count, waking one waiter.
    package func post() {
        post(count: 1)
    }

    /// Adds `count` (values below 1 do nothing), waking as many waiters.
    package func post(count added: Int) {
        guard added > 0 else { return }
        mutex.withLock {
            count += added
            if added == 1 { posted.signal() } else { posted.broadcast() }
        }
    }

    /// Blocks until the count is positive, then decrements it.
    package func wait() {
        _ = take(unlessCancelled: nil, deadline: nil)
    }

    /// Waits at most `timeout`; returns false on timeout.
    package func wait(timeout: Duration) -> Bool {
        take(unlessCancelled: nil, deadline: MonotonicDeadline(after: timeout))
    }

    /// Waits until posted or until `cancellation` fires, whichever comes first. Cancellation wins: once it has
    /// fired this returns false without taking the count.
    package func wait(unlessCancelled cancellation: Cancellation) -> Bool {
        take(unlessCancelled: cancellation, deadline: nil)
    }

    /// `wait(unlessCancelled:)` that also gives up (false) after `timeout`.
    package func wait(unlessCancelled cancellation: Cancellation, timeout: Duration) -> Bool {
        take(unlessCancelled: cancellation, deadline: MonotonicDeadline(after: timeout))
    }

    private func take(unlessCancelled cancellation: Cancellation?, deadline: MonotonicDeadline?) -> Bool {
        mutex.withLock {
            if count > 0 && cancellation?.isCancelled != true {
                count -= 1
                return true
            }
            guard let cancellation else { return takeLocked(deadline: deadline, cancelled: { false }) }
            return cancellation.whileRegistered({ [mutex, posted] in mutex.withLock { posted.broadcast() } }) {
                takeLocked(deadline: deadline, cancelled: { cancellation.isCancelled })
            }
        }
    }

    /// The wait itself, `mutex` held: false when `cancelled()` is true or `deadline` passed first.
    private func takeLocked(deadline: MonotonicDeadline?, cancelled: () -> Bool) -> Bool {
        while count == 0 && !cancelled() {
            if let deadline {
                guard posted.wait(mutex, deadline: deadline) else { break }
            } else {
                posted.wait(mutex)
            }
        }
        guard count > 0, !cancelled() else { return false }
        count -= 1
        return true
    }

    /// Takes the semaphore if it is available without blocking.
    package func tryWait() -> Bool {
        mutex.withLock {
            guard count > 0 else { return false }
            count -= 1
            return true
        }
    }
}
