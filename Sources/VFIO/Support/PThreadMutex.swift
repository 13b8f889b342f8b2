#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex, for state that condition variables wait on. Only ever block on it from
/// dedicated threads, never from Swift concurrency's cooperative pool.
final class PThreadMutex: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<pthread_mutex_t>

    /// An unlocked, default (non-recursive) mutex.
    init() {
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
    func lock() {
        let result = pthread_mutex_lock(pointer)
        precondition(result == 0, "pthread_mutex_lock failed: \(result)")
    }

    /// Unlocks.
    func unlock() {
        let result = pthread_mutex_unlock(pointer)
        precondition(result == 0, "pthread_mutex_unlock failed: \(result)")
    }

    /// Runs `body` with the mutex held.
    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
