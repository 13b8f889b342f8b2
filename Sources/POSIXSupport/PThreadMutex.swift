import Glibc

/// A pthread mutex, for state that condition variables and semaphores wait on. Only ever block on it from
/// dedicated threads, never from Swift concurrency's cooperative pool.
package final class PThreadMutex: @unchecked Sendable {
    // @unchecked: a pthread mutex is made for concurrent use; the pointer never changes after init.
    let pointer: UnsafeMutablePointer<pthread_mutex_t>

    /// An unlocked, default (non-recursive) mutex.
    package init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: pthread_mutex_t())
        let result = pthread_mutex_init(pointer, nil)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
    }

    deinit {
        pthread_mutex_destroy(pointer)
        pointer.deallocate()
    }

    /// Locks (blocking).
    package func lock() {
        let result = pthread_mutex_lock(pointer)
        precondition(result == 0, "pthread_mutex_lock failed: \(result)")
    }

    /// Unlocks.
    package func unlock() {
        let result = pthread_mutex_unlock(pointer)
        precondition(result == 0, "pthread_mutex_unlock failed: \(result)")
    }

    /// Runs `body` with the mutex held.
    package func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
