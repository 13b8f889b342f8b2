import Glibc

/// A child process started with `posix_spawn`: stdin from /dev/null, stdout and stderr into one log file.
///
/// Not thread-safe: one owner polls, waits for and stops the process. Releasing the object does not stop it.
public final class SpawnedProcess {
    /// The child's process id.
    public let pid: pid_t
    /// The file receiving the child's stdout and stderr (truncated at start).
    public let logPath: String
    private var exitStatus: Int32?

    /// Starts `executable` (a path, not searched in `PATH`) with `arguments` and the current environment. With
    /// `ownProcessGroup` the child leads a new process group, so a Ctrl-C in the terminal does not reach it.
    public init(executable: String, arguments: [String], logPath: String, ownProcessGroup: Bool = false)
        throws(SpawnError)
    {
        self.logPath = logPath
        pid = try Self.spawn(executable, arguments: arguments, logPath: logPath, ownProcessGroup: ownProcessGroup)
    }

    /// The exit status once the process has ended (128 + signal number when a signal killed it), else nil.
    public func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        exitStatus = Self.decode(status)
        return exitStatus
    }

    /// Waits up to `timeout` seconds for the process to end; returns its exit status, or nil if it still runs.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
        while ContinuousClock.now < deadline {
            if let status = poll() { return status }
            usleep(5_000)
        }
        return poll()
    }

    /// Sends signal `number` to the process, unless it has already been reaped (its pid may be reused).
    public func send(signal number: Int32) {
        if exitStatus == nil { kill(pid, number) }
    }

    /// Stops the process: SIGTERM, then SIGKILL if it is still there after two seconds. Does nothing once it ended.
    public func terminate() {
        guard poll() == nil else { return }
        kill(pid, SIGTERM)
        guard waitForExit(timeout: 2) == nil else { return }
        kill(pid, SIGKILL)
        _ = waitForExit(timeout: 2)
    }

    /// The process's output so far (the log file's text; empty when it cannot be read).
    public var output: String { TextFile.read(logPath) ?? "" }

    /// A `waitpid` status as an exit code, or 128 + the signal number.
    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func spawn(_ executable: String, arguments: [String], logPath: String, ownProcessGroup: Bool)
        throws(SpawnError) -> pid_t
    {
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = withFileActions(logPath: logPath) { actions in
            withAttributes(ownProcessGroup: ownProcessGroup) { attributes in
                posix_spawn(&pid, executable, actions, attributes, argv, environ)
            }
        }
        guard result == 0 else { throw SpawnError(executable: executable, code: result) }
        return pid
    }

    /// stdin from /dev/null; stdout into `logPath`, created or truncated; stderr a copy of stdout.
    private static func withFileActions<T>(logPath: String, _ body: (UnsafePointer<posix_spawn_file_actions_t>) -> T) -> T {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        return withUnsafePointer(to: &actions, body)
    }

    /// With `ownProcessGroup`, a new process group led by the child (`POSIX_SPAWN_SETPGROUP`, group 0).
    private static func withAttributes<T>(ownProcessGroup: Bool, _ body: (UnsafePointer<posix_spawnattr_t>) -> T) -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownProcessGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        return withUnsafePointer(to: &attributes, body)
    }
}
