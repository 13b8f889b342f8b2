import Glibc
import POSIXSupport

/// A real QEMU 10.0 (`qemu-system-x86_64 -machine none`) as a child process with a QMP socket, paused (`-S`) unless
/// told otherwise, for the tests and benchmarks that use it as vmigd's peer. Its guest RAM is plain, or a shared
/// `memory-backend-file`, so the file holds exactly the guest's RAM: fill it before starting a source, compare it
/// after a migration into QEMU.
package final class QEMUProcess: @unchecked Sendable {
    /// The process.
    package let process: DaemonProcess
    /// A negotiated QMP client.
    package let qmp: QMPTestClient
    /// The file backing guest RAM, if any (QEMU names the RAM block after the backend's id).
    package let memoryFile: String?

    /// `VMIG_QEMU`, else `.build/qemu10/usr/bin/qemu-system-x86_64` next to the build directory of the running
    /// binary (scripts/install-qemu10.sh, `make qemu10`).
    package static var binary: String {
        if let path = getenv("VMIG_QEMU") { return String(cString: path) }
        // The binaries live in ROOT/.build/CONFIGURATION (or deeper): keep what precedes the first `.build`.
        let parts = DaemonProcess.binaryDirectory.split(separator: "/", omittingEmptySubsequences: false)
        let root = (parts.firstIndex(of: ".build").map { parts[..<$0] } ?? parts[...]).joined(separator: "/")
        return root + "/.build/qemu10/usr/bin/qemu-system-x86_64"
    }

    /// Whether ``binary`` exists and is executable.
    package static var isAvailable: Bool { access(binary, X_OK) == 0 }

    /// Starts QEMU named `name` in `directory` with `memoryBytes` of RAM: plain, or backed by `memoryFile` (created,
    /// or extended to the size, when missing or short) as the `memory-backend-file` `backendID` with `share=on`.
    /// `paused` adds `-S`, `incoming` adds `-incoming defer`; `extraArguments` come last (e.g. `-uuid`).
    package init(
        in directory: TemporaryDirectory, name: String = "qemu", memoryBytes: UInt64, memoryFile: String?,
        backendID: String = "ram", paused: Bool = true, incoming: Bool = false, extraArguments: [String] = []
    ) throws {
        guard Self.isAvailable else {
            throw TestingError(
                "no QEMU 10.0 at \(Self.binary): run scripts/install-qemu10.sh (make qemu10) or set VMIG_QEMU")
        }
        let socket = directory.path + "/\(name).qmp"
        let megabytes = "\(memoryBytes >> 20)M"
        var arguments = ["-machine", "none", "-m", megabytes]
        if let memoryFile {
            try Self.ensureSize(of: memoryFile, bytes: memoryBytes)
            arguments = ["-machine", "none,memory-backend=\(backendID)", "-m", megabytes, "-object",
                         "memory-backend-file,id=\(backendID),size=\(megabytes),mem-path=\(memoryFile),share=on"]
        }
        if paused { arguments.append("-S") }
        if incoming { arguments += ["-incoming", "defer"] }
        arguments += ["-nodefaults", "-display", "none", "-serial", "none", "-monitor", "none",
                      "-qmp", "unix:\(socket),server=on,wait=off"] + extraArguments
        self.memoryFile = memoryFile
        process = try DaemonProcess(
            binary: Self.binary, arguments: arguments, socketPath: socket, logPath: directory.path + "/\(name).log")
        qmp = try Self.connect(to: socket, of: process, timeout: 30)
    }

    /// The QMP client, as the first connection QEMU accepts. QEMU's monitor serves one client at a time, and the
    /// greeting it wrote to a probe connection (``DaemonProcess/waitForSocket(timeout:)``) can reach the next
    /// client: seen once as a second greeting in place of the `qmp_capabilities` reply. Only an unreachable socket
    /// is retried, until `timeout` (scaled like every test wait) or QEMU's exit.
    private static func connect(to socket: String, of process: DaemonProcess, timeout: Double) throws -> QMPTestClient {
        let deadline = HostClock.monotonicSeconds + TestTimeScale.scaled(timeout)
        while true {
            if let status = process.poll() {
                throw TestingError("QEMU exited with status \(status) before listening; log:\n\(process.log)")
            }
            do {
                return try QMPTestClient(path: socket)
            } catch {
                guard case .unreachable = error, HostClock.monotonicSeconds < deadline else { throw error }
                usleep(10_000)
            }
        }
    }

    deinit {
        process.terminate()
    }

    /// Makes `path` at least `bytes` long (a new file is sparse: zero pages).
    private static func ensureSize(of path: String, bytes: UInt64) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestingError("open \(path): errno \(errno)") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw TestingError("fstat \(path): errno \(errno)") }
        if UInt64(status.st_size) < bytes, ftruncate(fd, off_t(bytes)) != 0 {
            throw TestingError("ftruncate \(path): errno \(errno)")
        }
    }
}
