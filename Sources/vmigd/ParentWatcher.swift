import Glibc
import POSIXSupport

/// Calls `action` once the process that started the daemon has exited (`--exit-with-parent`, QEMU's
/// `-run-with exit-with-parent=on`), so a test runner or `vmig demo` killed with SIGKILL leaves no daemon behind.
///
/// QEMU asks the kernel for a parent-death signal. That signal follows the parent *thread* that started the
/// child, and a multi-threaded parent such as a test runner may end that thread long before it exits. So a thread
/// of its own checks every ``period`` whether the daemon was handed to another parent (init or a subreaper).
/// A parent that exits before the daemon first reads its parent id (at the start of `run`) is not noticed.
final class ParentWatcher: Sendable {
    /// How often the parent is checked, in microseconds.
    static let period: useconds_t = 200_000

    /// Starts the checking thread; `action` runs at once if the parent is no longer `parent`.
    init(parent: pid_t, action: @escaping @Sendable () -> Void) throws(ThreadSpawnError) {
        try DedicatedThread.spawn {
            while getppid() == parent { usleep(Self.period) }
            action()
        }.detach()
    }
}
