import Glibc
import Synchronization

/// How many SIGINTs (Ctrl-C) arrived while caught.
private let interruptCount = Atomic<Int>(0)
/// How many callers currently want SIGINT caught.
private let catchDepth = Atomic<Int>(0)

/// Counts Ctrl-C presses instead of letting them end the process, while a migration is watched or the demo
/// runs. Calls nest: SIGINT gets its default action back when the last ``uninstall()`` runs.
enum InterruptCounter {
    /// Catches SIGINT from now on (unblocking it, in case the parent process left it blocked).
    static func install() {
        if catchDepth.add(1, ordering: .sequentiallyConsistent).newValue == 1 {
            signal(SIGINT) { _ in interruptCount.add(1, ordering: .relaxed) }
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigprocmask(SIG_UNBLOCK, &signals, nil)
        }
    }

    /// Undoes one ``install()``.
    static func uninstall() {
        if catchDepth.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 {
            signal(SIGINT, SIG_DFL)
        }
    }

    /// The number of SIGINTs caught so far.
    static var count: Int { interruptCount.load(ordering: .relaxed) }
}
