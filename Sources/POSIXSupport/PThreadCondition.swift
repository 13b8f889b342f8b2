import Glibc

/// A pthread condition variable whose timed waits run on `CLOCK_MONOTONIC` (a wall-clock step neither shortens
/// nor stretches them). Always used with one `PThreadMutex` that guards the state it signals about.
package final class PThreadCondition: @unchecked Sendable {
    // @unchecked: a pthread condition is made for concurrent use; the pointer never changes after init.
    private let pointer: UnsafeMutablePointer<pthread_cond_t>

    /// A condition with no waiters.
    package init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        let result = pthread_cond_init(pointer, &attributes)
        pthread_condattr_destroy(&attributes)
        precondition(result == 0, "pthread_cond_init failed: \(result)")
    }

    deinit {
        pthread_cond_destroy(pointer)
        pointer.deallocate()
    }

    /// Atomically releases `mutex` (held by the caller) and waits to be signalled (spurious wake-ups possible).
    package func wait(_ mutex: PThreadMutex) {
        let result = pthread_cond_wait(pointer, mutex.pointer)
        precondition(result == 0, "pthread_cond_wait failed: \(result)")
    }

    /// Like `wait(_:)`, but returns false once `deadline` (see `MonotonicDeadline`) has passed.
    package func wait(_ mutex: PThreadMutex, deadline: MonotonicDeadline) -> Bool {
        var spec = deadline.timespec
        return pthread_cond_timedwait(pointer, mutex.pointer, &spec) != ETIMEDOUT
    }

    /// Like `wait(_:)`, but `cancellation` wakes it too. Returns false when `cancellation` has fired (checked with
    /// the mutex held, so a cancel is never missed).
    package func wait(_ mutex: PThreadMutex, unlessCancelled cancellation: Cancellation) -> Bool {
        cancellation.whileRegistered({ [self] in mutex.withLock { broadcast() } }) {
            if !cancellation.isCancelled { wait(mutex) }
        }
        return !cancellation.isCancelled
    }

    /// Wakes one waiter.
    package func signal() {
        pthread_cond_signal(pointer)
    }

    /// Wakes every waiter.
    package func broadcast() {
        pthread_cond_broadcast(pointer)
    }
}
