import Glibc
import POSIXSupport

/// Turns SIGTERM/SIGINT into a call of `action` on a thread of its own.
///
/// The handlers are installed with `signal(2)` before the monitors listen, so a signal sent as soon as a socket
/// accepts is never lost. (A Dispatch signal source arms itself asynchronously after `resume()`; with the default
/// action set to `SIG_IGN` first, a signal arriving in between was dropped.) The handler only posts a semaphore,
/// which is async-signal-safe; the thread waiting on it runs `action` once per signal.
final class SignalWatcher: Sendable {
    /// Starts the waiting thread, then installs the handlers.
    init(signals: [Int32], action: @escaping @Sendable () -> Void) throws(ThreadSpawnError) {
        _ = caughtSignals  // initialised here, never first inside the handler
        try DedicatedThread.spawn {
            while true {
                if sem_wait(caughtSignals) == 0 { action() }
            }
        }.detach()
        for number in signals {
            signal(number) { _ in sem_post(caughtSignals) }
        }
    }
}

/// The semaphore the signal handler posts (a process-wide global: a C signal handler cannot capture context).
nonisolated(unsafe) private let caughtSignals: UnsafeMutablePointer<sem_t> = {
    let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(semaphore, 0, 0)
    return semaphore
}()
