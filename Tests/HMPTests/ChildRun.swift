import Glibc
import VMigTesting

/// A started `vmig` process.
final class ChildRun: @unchecked Sendable {
    let pid: pid_t
    private var status: Int32?

    init(pid: pid_t) {
        self.pid = pid
    }

    /// Waits up to `timeout` seconds for the exit status.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Clock.now + timeout
        while Clock.now < deadline {
            if let status { return status }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                return status
            }
            usleep(5_000)
        }
        return nil
    }

    /// Kills the process if it still runs.
    func terminate() {
        if waitForExit(timeout: 0) == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }
}
