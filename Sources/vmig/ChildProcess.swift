import Glibc

/// A child process (a vmigd of the demo) with its output in a log file, in its own process group so that
/// Ctrl-C in the terminal reaches only vmig, which then shuts the child down in order.
final class ChildProcess {
    let pid: pid_t
    let logPath: String
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`.
    init(executable: String, arguments: [String], logPath: String) throws(DemoError) {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw DemoError("cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// The exit status once the process ended (128 + signal when killed), else nil.
    func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return exitStatus
    }

    /// Waits up to `timeout` seconds for the exit status.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = MonotonicClock.now + timeout
        while MonotonicClock.now < deadline {
            if let status = poll() { return status }
            MonotonicClock.sleep(0.01)
        }
        return poll()
    }

    /// SIGTERM, then SIGKILL if it is still there after two seconds.
    func terminate() {
        guard poll() == nil else { return }
        kill(pid, SIGTERM)
        if waitForExit(timeout: 2) == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 2)
        }
    }

    /// The last `count` lines of the process's output.
    func logTail(_ count: Int = 15) -> String {
        guard let file = fopen(logPath, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = fread(&chunk, 1, chunk.count, file)
            if read <= 0 { break }
            bytes += chunk[..<read]
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(count).joined(separator: "\n")
    }
}
