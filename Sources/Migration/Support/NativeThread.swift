import Glibc
import Synchronization

/// A dedicated OS thread (pthread) for blocking work: the data path never runs on Dispatch or Swift concurrency.
final class NativeThread: Sendable {
    private let handle: pthread_t
    private let joined = Atomic<Bool>(false)

    private init(handle: pthread_t) {
        self.handle = handle
    }

    /// Starts `body` on a new thread. `name` documents the thread's role at the call site (glibc's
    /// `pthread_setname_np` is not importable without `_GNU_SOURCE`). When `cpuTime` is given, the thread's CPU
    /// time is added to it when the body returns.
    /// Throws when the system cannot create another thread.
    static func spawn(
        name: String, cpuTime: CPUTimeAccumulator? = nil, _ body: @escaping @Sendable () -> Void
    ) throws -> NativeThread {
        cpuTime?.threadStarted()
        let box = Unmanaged.passRetained(ThreadStart(cpuTime: cpuTime, body: body))
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
            start.run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            cpuTime?.threadEnded(nanoseconds: 0)
            throw MigrationError("Cannot create thread '\(name)': \(Errno.text(rc))")
        }
        return NativeThread(handle: tid)
    }

    /// Waits for the thread to finish. Safe to call more than once.
    func join() {
        if joined.exchange(true, ordering: .acquiringAndReleasing) {
            return
        }
        pthread_join(handle, nil)
    }

    /// Lets the thread clean up by itself when it ends; `join` becomes a no-op.
    func detach() {
        if !joined.exchange(true, ordering: .acquiringAndReleasing) {
            pthread_detach(handle)
        }
    }

    /// True when called on this thread.
    var isCurrent: Bool {
        pthread_equal(pthread_self(), handle) != 0
    }
}

/// The start record handed to `pthread_create`.
private final class ThreadStart: Sendable {
    let cpuTime: CPUTimeAccumulator?
    let body: @Sendable () -> Void

    init(cpuTime: CPUTimeAccumulator?, body: @escaping @Sendable () -> Void) {
        self.cpuTime = cpuTime
        self.body = body
    }

    func run() {
        body()
        cpuTime?.threadEnded(nanoseconds: Clock.threadCPUNanoseconds())
    }
}
