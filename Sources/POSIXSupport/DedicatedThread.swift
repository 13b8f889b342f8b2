import Glibc
import Synchronization

/// An OS thread (pthread) of its own for one blocking body, so blocking work never runs on Dispatch or on Swift
/// concurrency's pool.
public final class DedicatedThread: Sendable {
    private let handle: pthread_t
    private let released = Atomic<Bool>(false)

    private init(handle: pthread_t) {
        self.handle = handle
    }

    /// A handle dropped without `join` or `detach` detaches its thread: otherwise the finished thread's stack would
    /// stay allocated for the life of the process.
    deinit {
        if !released.load(ordering: .acquiring) { pthread_detach(handle) }
    }

    /// Starts `body` on a new thread; throws when the system cannot create another thread.
    public static func spawn(_ body: @escaping @Sendable () -> Void) throws(ThreadSpawnError) -> DedicatedThread {
        let start = Unmanaged.passRetained(ThreadBody(body))
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, start.toOpaque())
        guard code == 0 else {
            start.release()
            throw ThreadSpawnError(code: code)
        }
        return DedicatedThread(handle: handle)
    }

    /// Waits for the body to return. Only the first call of `join` or `detach` acts.
    public func join() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { pthread_join(handle, nil) }
    }

    /// Lets the thread clean up by itself when its body returns; `join` becomes a no-op.
    public func detach() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { pthread_detach(handle) }
    }

    /// True when called on this thread.
    public var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }
}

/// The heap box carrying a thread's body across `pthread_create`.
private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void

    init(_ run: @escaping @Sendable () -> Void) {
        self.run = run
    }
}
