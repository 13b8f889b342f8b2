#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread condition variable timed against `CLOCK_MONOTONIC` (on Linux).
final class PThreadCondition: @unchecked Sendable {
    private let pointer: UnsafeMutablePointer<pthread_cond_t>

    /// A condition with no waiters.
    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if os(Linux)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        let result = pthread_cond_init(pointer, &attributes)
        pthread_condattr_destroy(&attributes)
        precondition(result == 0, "pthread_cond_init failed: \(result)")
    }

    deinit {
        pthread_cond_destroy(pointer)
        pointer.deallocate()
    }

    /// Atomically releases `mutex` (held by the caller) and waits to be signalled.
    func wait(_ mutex: PThreadMutex) {
        let result = pthread_cond_wait(pointer, mutex.pointer)
        precondition(result == 0, "pthread_cond_wait failed: \(result)")
    }

    /// Like `wait(_:)`, but returns after at most `nanoseconds` (spurious wake-ups possible).
    func wait(_ mutex: PThreadMutex, nanoseconds: UInt64) {
        #if os(Linux)
        let deadline = MonotonicClock.now() + nanoseconds
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        _ = pthread_cond_timedwait(pointer, mutex.pointer, &spec)
        #else
        var spec = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        _ = pthread_cond_timedwait_relative_np(pointer, mutex.pointer, &spec)
        #endif
    }

    /// Wakes one waiter.
    func signal() {
        pthread_cond_signal(pointer)
    }

    /// Wakes every waiter.
    func broadcast() {
        pthread_cond_broadcast(pointer)
    }
}
