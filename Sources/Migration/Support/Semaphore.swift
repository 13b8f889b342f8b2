import Glibc

/// A counting POSIX semaphore, used for the blocking hand-offs of the data path (as QEMU's QemuSemaphore).
///
/// Shared state itself lives in NIO locks and `Atomic`; semaphores only carry wake-ups.
final class Semaphore: @unchecked Sendable {
    // @unchecked: sem_t is designed for concurrent use; the pointer never changes after init.
    private let handle: UnsafeMutablePointer<sem_t>

    /// Creates a semaphore with an initial count.
    init(value: UInt32 = 0) {
        handle = .allocate(capacity: 1)
        sem_init(handle, 0, value)
    }

    deinit {
        sem_destroy(handle)
        handle.deallocate()
    }

    /// Increments the count, waking one waiter.
    func post() {
        sem_post(handle)
    }

    /// Posts `count` times.
    func post(count: Int) {
        for _ in 0..<max(count, 0) {
            sem_post(handle)
        }
    }

    /// Blocks until the count is positive, then decrements it.
    func wait() {
        while sem_wait(handle) != 0 && errno == EINTR {}
    }

    /// Waits at most `milliseconds`; returns false on timeout.
    func wait(milliseconds: Int) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let total = Int(deadline.tv_nsec) + (milliseconds % 1000) * 1_000_000
        deadline.tv_sec += milliseconds / 1000 + total / 1_000_000_000
        deadline.tv_nsec = total % 1_000_000_000
        while true {
            if sem_timedwait(handle, &deadline) == 0 {
                return true
            }
            if errno != EINTR {
                return false
            }
        }
    }

    /// Waits until posted or until `shouldGiveUp` returns true (checked every `pollMilliseconds`).
    /// Returns true when the semaphore was acquired.
    func wait(pollMilliseconds: Int = 50, giveUpWhen shouldGiveUp: () -> Bool) -> Bool {
        while true {
            if shouldGiveUp() {
                return false
            }
            if wait(milliseconds: pollMilliseconds) {
                return true
            }
        }
    }

    /// Takes the semaphore if it is available without blocking.
    func tryWait() -> Bool {
        sem_trywait(handle) == 0
    }
}
