import Glibc
import POSIXSupport

/// Processes a test started but does not parent, such as a `vmigd --daemonize` (its launcher exits and it is
/// handed to init): found by a string unique to the test in their command line, stopped by pid.
package enum DetachedProcesses {
    /// The running processes whose command line (arguments joined by spaces) contains `text`.
    package static func pids(commandLineContaining text: String) -> [pid_t] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var found: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let pid = pid_t(name), pid != getpid(), ProcessStat.isRunning(pid),
                let arguments = TextFile.read("/proc/\(pid)/cmdline")
            else { continue }
            let commandLine = String(arguments.map { $0 == "\0" ? " " : $0 })
            if commandLine.contains(text) { found.append(pid) }
        }
        return found
    }

    /// Stops `pid`: SIGTERM, then SIGKILL if it still runs after `grace` seconds; true once it is gone.
    @discardableResult
    package static func stop(_ pid: pid_t, grace: Double = 5) -> Bool {
        kill(pid, SIGTERM)
        if Poll.until(timeout: grace, interval: 20_000, { !ProcessStat.isRunning(pid) }) { return true }
        kill(pid, SIGKILL)
        return Poll.until(timeout: 5, interval: 20_000) { !ProcessStat.isRunning(pid) }
    }

    /// Stops every process whose command line contains `text`; returns how many there were.
    @discardableResult
    package static func stopAll(commandLineContaining text: String) -> Int {
        let pids = pids(commandLineContaining: text)
        for pid in pids { stop(pid) }
        return pids.count
    }
}
