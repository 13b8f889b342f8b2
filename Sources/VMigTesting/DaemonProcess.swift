import Glibc
import POSIXSupport

/// A `vmigd` (or other built binary) running as a child process, for tests and benchmarks.
///
/// The process is killed (SIGTERM, then SIGKILL) when ``terminate()`` runs or the object is released.
package final class DaemonProcess: @unchecked Sendable {
    /// The child's process id.
    package var pid: pid_t { process.pid }
    /// The QMP socket path of the daemon (first `--qmp`).
    package let socketPath: String
    /// File receiving the daemon's stdout and stderr.
    package var logPath: String { process.logPath }
    private let process: SpawnedProcess

    /// The directory holding the built binaries: `$VMIG_BIN_DIR`, else the directory of the running executable.
    package static var binaryDirectory: String {
        if let directory = getenv("VMIG_BIN_DIR") { return String(cString: directory) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        let path = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "."
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/")
    }

    /// Starts `binary` (a name in ``binaryDirectory`` or a path) with `arguments`, its output in `logPath`.
    package init(binary: String = "vmigd", arguments: [String], socketPath: String, logPath: String) throws {
        let executable = binary.contains("/") ? binary : Self.binaryDirectory + "/" + binary
        guard access(executable, X_OK) == 0 else { throw TestingError("no executable at \(executable); build first") }
        self.socketPath = socketPath
        do throws(SpawnError) {
            process = try SpawnedProcess(executable: executable, arguments: arguments, logPath: logPath)
        } catch {
            throw TestingError("posix_spawn \(executable): \(error.reason)")
        }
    }

    /// Starts `vmigd` with a monitor on a fresh socket in `directory`, waiting until the socket accepts. The daemon
    /// exits with this process (`--exit-with-parent`), so a test run killed outright leaves none behind.
    package static func vmigd(
        in directory: TemporaryDirectory, name: String, extraArguments: [String] = [], timeout: Double = 20
    ) throws -> DaemonProcess {
        let socket = directory.path + "/\(name).qmp"
        let process = try DaemonProcess(
            arguments: ["--name", name, "--qmp", "unix:" + socket, "--exit-with-parent"] + extraArguments,
            socketPath: socket,
            logPath: directory.path + "/\(name).log")
        try process.waitForSocket(timeout: timeout)
        return process
    }

    /// Waits until the socket accepts connections, failing early if the process exits.
    /// The wait is scaled by `TestTimeScale` (longer under a sanitizer).
    package func waitForSocket(timeout: Double) throws {
        let timeout = TestTimeScale.scaled(timeout)
        let deadline = HostClock.monotonicSeconds + timeout
        while HostClock.monotonicSeconds < deadline {
            if let status = poll() {
                throw TestingError("vmigd exited with status \(status) before listening; log:\n\(log)")
            }
            if UnixSocket.canConnect(socketPath) { return }
            usleep(10_000)
        }
        throw TestingError("vmigd did not listen on \(socketPath) within \(timeout) s; log:\n\(log)")
    }

    /// The exit status if the process has ended (128 + signal number when killed), else nil.
    package func poll() -> Int32? { process.poll() }

    /// Waits up to `timeout` seconds for the process to exit; returns its exit status or nil.
    package func waitForExit(timeout: Double) -> Int32? { process.waitForExit(timeout: TestTimeScale.scaled(timeout)) }

    /// Sends `signal` to the process.
    package func send(signal number: Int32) { process.send(signal: number) }

    /// Stops the process: SIGTERM, then SIGKILL after two seconds.
    package func terminate() { process.terminate() }

    /// The daemon's output so far.
    package var log: String { process.output }

    /// The last `count` lines of the daemon's output.
    package func logTail(lines count: Int) -> String { process.outputTail(lines: count) }

    deinit { terminate() }
}
