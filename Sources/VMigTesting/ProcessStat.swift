import Glibc
import POSIXSupport

/// A process's line in /proc/PID/stat.
package enum ProcessStat {
    /// The fields after the command name `(comm)`, which may itself hold spaces: the state first (field 3 of
    /// proc(5)), then ppid, and so on; nil when the process is gone.
    package static func fields(of pid: pid_t) -> [Substring]? {
        guard let text = TextFile.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// True while `pid` runs: it exists and is not a zombie waiting for its parent to reap it.
    package static func isRunning(_ pid: pid_t) -> Bool {
        guard let state = fields(of: pid)?.first else { return false }
        return state != "Z" && state != "X"
    }
}
