import Glibc

/// A `vmigd` (or other built binary) running as a child process, for tests and benchmarks.
///
/// The process is killed (SIGTERM, then SIGKILL) when ``terminate()`` runs or the object is released.
public final class DaemonProcess: @unchecked Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// The QMP socket path of the daemon (first `--qmp`).
    public let socketPath: String
    /// File receiving the daemon's stdout and stderr.
    public let logPath: String
    private var reaped = false
    private var exitStatus: Int32 = 0

    /// The directory holding the built binaries: `$VMIG_BIN_DIR`, else the directory of the running executable.
    public static var binaryDirectory: String {
        if let directory = getenv("VMIG_BIN_DIR") { return String(cString: directory) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        let path = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "."
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/")
    }

    /// Starts `binary` (a name in ``binaryDirectory`` or a path) with `arguments`, its output in `logPath`.
    public init(binary: String = "vmigd", arguments: [String], socketPath: String, logPath: String) throws {
        let executable = binary.contains("/") ? binary : Self.binaryDirectory + "/" + binary
        guard access(executable, X_OK) == 0 else { throw TestingError("no executable at \(executable); build first") }
        self.socketPath = socketPath
        self.logPath = logPath
        pid = try Self.spawn(executable, arguments: arguments, logPath: logPath)
    }

    /// Starts `vmigd` with a monitor on a fresh socket in `directory`, waiting until the socket accepts.
    public static func vmigd(
        in directory: TemporaryDirectory, name: String, extraArguments: [String] = [], timeout: Double = 20
    ) throws -> DaemonProcess {
        let socket = directory.path + "/\(name).qmp"
        let process = try DaemonProcess(
            arguments: ["--name", name, "--qmp", "unix:" + socket] + extraArguments, socketPath: socket,
            logPath: directory.path + "/\(name).log")
        try process.waitForSocket(timeout: timeout)
        return process
    }

    /// Waits until the socket accepts connections, failing early if the process exits.
    public func waitForSocket(timeout: Double) throws {
        let deadline = Clock.now + timeout
        while Clock.now < deadline {
            if let status = poll() {
                throw TestingError("vmigd exited with status \(status) before listening; log:\n\(log)")
            }
            if UnixSocket.canConnect(socketPath) { return }
            usleep(10_000)
        }
        throw TestingError("vmigd did not listen on \(socketPath) within \(timeout) s; log:\n\(log)")
    }

    /// The exit status if the process has ended, else nil.
    public func poll() -> Int32? {
        if reaped { return exitStatus }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = true
            exitStatus = Self.decode(status)
            return exitStatus
        }
        return nil
    }

    /// Waits up to `timeout` seconds for the process to exit; returns its exit status or nil.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Clock.now + timeout
        while Clock.now < deadline {
            if let status = poll() { return status }
            usleep(5_000)
        }
        return nil
    }

    /// Sends `signal` to the process.
    public func send(signal number: Int32) {
        if !reaped { kill(pid, number) }
    }

    /// Stops the process: SIGTERM, then SIGKILL after two seconds.
    public func terminate() {
        guard poll() == nil else { return }
        kill(pid, SIGTERM)
        if waitForExit(timeout: 2) == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 2)
        }
    }

    /// The daemon's output so far.
    public var log: String { (try? TemporaryDirectory.read(logPath)) ?? "" }

    deinit { terminate() }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func spawn(_ executable: String, arguments: [String], logPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw TestingError("posix_spawn \(executable): \(String(cString: strerror(result)))") }
        return pid
    }
}
