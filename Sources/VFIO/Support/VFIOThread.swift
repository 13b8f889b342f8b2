#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A dedicated OS thread running one blocking body (e.g. a device's load loop when no
/// migration thread pool hosts it). Keeps blocking work off Swift concurrency's pool.
public final class VFIOThread: Sendable {
    private let handle: Mutex<pthread_t?>

    private init(handle: pthread_t) {
        self.handle = Mutex(handle)
    }

    /// Starts a thread running `body`.
    public static func start(_ body: @escaping @Sendable () -> Void) -> VFIOThread {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        #if canImport(Glibc)
        return VFIOThread(handle: thread)
        #else
        return VFIOThread(handle: thread!)
        #endif
    }

    /// Waits for the body to return (only the first call waits).
    public func join() {
        guard let thread = handle.withLock({ value -> pthread_t? in
            defer { value = nil }
            return value
        }) else { return }
        pthread_join(thread, nil)
    }
}

/// The heap box carrying a thread's body across `pthread_create`.
private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void

    init(_ run: @escaping @Sendable () -> Void) {
        self.run = run
    }
}
