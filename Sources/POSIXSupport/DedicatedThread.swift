import CPOSIXSupport
import Glibc
import Synchronization

/// An OS thread (pthread) of its own for one blocking body, so blocking work never runs on Dispatch or on Swift
/// concurrency's pool.
package final class DedicatedThread: Sendable {
    private let handle: pthread_t
    private let released = Atomic<Bool>(false)

    private init(handle: pthread_t) {
        self.handle = handle
    }

    /// A thread nobody joined or detached (its owner was dropped without waiting for it) is detached, so its
    /// resources go back to the system when it ends instead of leaking.
    deinit {
        if !released.load(ordering: .acquiring) { pthread_detach(handle) }
    }

    /// Starts `body` on a new thread; throws when the system cannot create another thread. With a `name`, the
    /// thread carries it in `top -H`, gdb and perf (cut to Linux's 15 bytes, see `setCurrentName`).
    package static func spawn(
        name: String? = nil, _ body: @escaping @Sendable () -> Void
    ) throws(ThreadSpawnError) -> DedicatedThread {
        let start = Unmanaged.passRetained(ThreadBody(name: name, body))
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

    /// Names the calling thread (`pthread_setname_np`). Linux keeps at most 15 bytes: a longer name is cut there,
    /// on a character boundary.
    package static func setCurrentName(_ name: String) {
        var bytes = Array(name.utf8.prefix(maxNameBytes))
        while !bytes.isEmpty && String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        bytes.append(0)
        _ = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { vmig_set_current_thread_name($0.baseAddress!) }
        }
    }

    /// The longest thread name Linux keeps, in bytes (16 with the terminating NUL).
    package static let maxNameBytes = 15

    /// Waits for the body to return. Only the first call of `join` or `detach` acts; on the thread itself it
    /// detaches instead (a thread cannot wait for itself).
    package func join() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if isCurrent {
            pthread_detach(handle)
        } else {
            pthread_join(handle, nil)
        }
    }

    /// Lets the thread clean up by itself when its body returns; `join` becomes a no-op.
    package func detach() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { pthread_detach(handle) }
    }

    /// True when called on this thread.
    package var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }
}

/// The heap box carrying a thread's name and body across `pthread_create`.
private final class ThreadBody: Sendable {
    let name: String?
    let body: @Sendable () -> Void

    init(name: String?, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    func run() {
        if let name { DedicatedThread.setCurrentName(name) }
        body()
    }
}
