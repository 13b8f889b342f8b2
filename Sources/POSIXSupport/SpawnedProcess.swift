import Glibc

/// A child process started with `posix_spawn`: stdin from /dev/null (or a given file), stdout and stderr into one
/// log file (or stderr into a file of its own).
///
/// Not thread-safe: one owner polls, waits for and stops the process. Releasing the object does not stop it.
package final class SpawnedProcess {
    /// The child's process id.
    package let pid: pid_t
    /// The file receiving the child's stdout, and its stderr unless ``errorLogPath`` is set (truncated at start).
    package let logPath: String
    /// The file receiving the child's stderr when it is kept apart from stdout (truncated at start), else nil.
    package let errorLogPath: String?
    private var exitStatus: Int32?

    /// Starts `executable` (a path, not searched in `PATH`) with `arguments` and the current environment.
    ///
    /// - Parameters:
    ///   - inputPath: the file (or FIFO) the child reads as stdin.
    ///   - logPath: the file for the child's stdout, and for its stderr when `errorLogPath` is nil.
    ///   - errorLogPath: a separate file for the child's stderr.
    ///   - ownProcessGroup: the child leads a new process group, so a Ctrl-C in the terminal does not reach it.
    ///   - defaultSignals: the child starts with no signal blocked and SIGINT at its default action, as a command
    ///     started from an interactive shell, instead of inheriting this process's signal mask and an ignored
    ///     SIGINT (a test runner's threads may block signals; a shell's background job ignores SIGINT).
    package init(
        executable: String, arguments: [String], inputPath: String = "/dev/null", logPath: String,
        errorLogPath: String? = nil, ownProcessGroup: Bool = false, defaultSignals: Bool = false
    ) throws(SpawnError) {
        self.logPath = logPath
        self.errorLogPath = errorLogPath
        pid = try Self.spawn(
            executable, arguments: arguments,
            files: StandardFiles(input: inputPath, output: logPath, error: errorLogPath),
            ownProcessGroup: ownProcessGroup, defaultSignals: defaultSignals)
    }

    /// The exit status once the process has ended (128 + signal number when a signal killed it), else nil.
    package func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        exitStatus = Self.decode(status)
        return exitStatus
    }

    /// Waits up to `timeout` seconds for the process to end; returns its exit status, or nil if it still runs.
    package func waitForExit(timeout: Double) -> Int32? {
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
        while ContinuousClock.now < deadline {
            if let status = poll() { return status }
            usleep(5_000)
        }
        return poll()
    }

    /// Sends signal `number` to the process, unless it has already been reaped (its pid may be reused).
    package func send(signal number: Int32) {
        if exitStatus == nil { kill(pid, number) }
    }

    /// Stops the process: SIGTERM, then SIGKILL if it is still there after two seconds. Does nothing once it ended.
    package func terminate() {
        guard poll() == nil else { return }
        kill(pid, SIGTERM)
        guard waitForExit(timeout: 2) == nil else { return }
        kill(pid, SIGKILL)
        _ = waitForExit(timeout: 2)
    }

    /// The process's output so far: the text of ``logPath`` (stdout, with stderr unless ``errorLogPath`` is set;
    /// empty when it cannot be read).
    package var output: String { TextFile.read(logPath) ?? "" }

    /// The last `count` lines of ``output``.
    package func outputTail(lines count: Int) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }

    /// A `waitpid` status as an exit code, or 128 + the signal number.
    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Starts `executable` with `arguments` reading `input` as its stdin and writing its stdout to `output` (both
    /// descriptors of this process, e.g. pipe ends; its stderr is this process's), leading a process group of its
    /// own, with no signal blocked and `defaultSignals` at their default action. Returns its pid: the caller owns
    /// the child (signals and reaps it).
    package static func spawn(
        _ executable: String, arguments: [String], input: Int32, output: Int32, defaultSignals: [Int32]
    ) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies, so the caller's own ends may stay close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, output, STDOUT_FILENO)
        return try spawn(executable, arguments: arguments, ownProcessGroup: true, defaultSignals: defaultSignals) {
            withUnsafePointer(to: &actions, $0)
        }
    }

    /// Where the child's stdin, stdout and stderr (nil: a copy of stdout) are opened.
    private struct StandardFiles {
        let input: String
        let output: String
        let error: String?
    }

    private static func spawn(
        _ executable: String, arguments: [String], files: StandardFiles, ownProcessGroup: Bool, defaultSignals: Bool
    ) throws(SpawnError) -> pid_t {
        try spawn(executable, arguments: arguments, ownProcessGroup: ownProcessGroup,
                  defaultSignals: defaultSignals ? [SIGINT] : []) { body in withFileActions(files, body) }
    }

    /// `posix_spawn` with the file actions `withActions` lends and the attributes of ``withAttributes``.
    private static func spawn(
        _ executable: String, arguments: [String], ownProcessGroup: Bool, defaultSignals: [Int32],
        withActions: ((UnsafePointer<posix_spawn_file_actions_t>) -> Int32) -> Int32
    ) throws(SpawnError) -> pid_t {
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = withActions { actions in
            withAttributes(ownProcessGroup: ownProcessGroup, defaultSignals: defaultSignals) { attributes in
                posix_spawn(&pid, executable, actions, attributes, argv, environ)
            }
        }
        guard result == 0 else { throw SpawnError(executable: executable, code: result) }
        return pid
    }

    /// stdin from `files.input`; stdout into `files.output` and stderr into `files.error` (or a copy of stdout),
    /// created or truncated.
    private static func withFileActions<T>(
        _ files: StandardFiles, _ body: (UnsafePointer<posix_spawn_file_actions_t>) -> T
    ) -> T {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, files.input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, files.output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let error = files.error {
            posix_spawn_file_actions_addopen(&actions, 2, error, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        return withUnsafePointer(to: &actions, body)
    }

    /// With `ownProcessGroup`, a new process group led by the child (`POSIX_SPAWN_SETPGROUP`, group 0); with
    /// `defaultSignals` not empty, an empty signal mask (`POSIX_SPAWN_SETSIGMASK`) and those signals at `SIG_DFL`
    /// (`POSIX_SPAWN_SETSIGDEF`).
    private static func withAttributes<T>(
        ownProcessGroup: Bool, defaultSignals: [Int32], _ body: (UnsafePointer<posix_spawnattr_t>) -> T
    ) -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags: Int32 = 0
        if ownProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        if !defaultSignals.isEmpty {
            flags |= POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
            var signals = sigset_t()
            sigemptyset(&signals)
            posix_spawnattr_setsigmask(&attributes, &signals)
            for signal in defaultSignals { sigaddset(&signals, signal) }
            posix_spawnattr_setsigdefault(&attributes, &signals)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        return withUnsafePointer(to: &attributes, body)
    }
}
