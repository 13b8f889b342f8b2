import Glibc
import VMigTesting

/// A real QEMU 10.0 (`-machine none`) as a child process with a QMP socket, paused (`-S`).
final class QEMUPeer: @unchecked Sendable {
    let process: DaemonProcess
    let qmp: QMPTestClient

    /// `VMIG_QEMU`, else `.build/qemu10/usr/bin/qemu-system-x86_64` (scripts/install-qemu10.sh, `make qemu10`).
    static var binary: String {
        if let path = getenv("VMIG_QEMU") { return String(cString: path) }
        let directory = DaemonProcess.binaryDirectory
        let root = directory.components(separatedBy: "/.build/").first ?? directory
        return root + "/.build/qemu10/usr/bin/qemu-system-x86_64"
    }

    /// Starts QEMU with 64 MiB of RAM, or RAM backed by `memoryFile` (shared, so it is the file's bytes).
    /// With `incoming`, it waits for `migrate-incoming` (`-incoming defer`).
    init(in directory: TemporaryDirectory, memoryFile: String? = nil, incoming: Bool = false) throws {
        guard access(Self.binary, X_OK) == 0 else {
            throw TestingError("no QEMU 10.0 at \(Self.binary): run scripts/install-qemu10.sh (make qemu10) or set VMIG_QEMU")
        }
        let socket = directory.path + "/qemu.qmp"
        var machine = ["-machine", "none", "-m", "64M"]
        if let memoryFile {
            machine = ["-machine", "none,memory-backend=ram", "-m", "64M", "-object",
                       "memory-backend-file,id=ram,size=64M,mem-path=\(memoryFile),share=on"]
        }
        process = try DaemonProcess(
            binary: Self.binary,
            arguments: machine + ["-S", "-nodefaults", "-display", "none", "-serial", "none", "-monitor", "none",
                                  "-qmp", "unix:\(socket),server=on,wait=off"] + (incoming ? ["-incoming", "defer"] : []),
            socketPath: socket, logPath: directory.path + "/qemu.log")
        try process.waitForSocket(timeout: 30)
        qmp = try QMPTestClient(path: socket)
    }

    deinit {
        process.terminate()
    }

    /// `migrate file:PATH` with `capabilities` on; waits for `completed`.
    func save(to path: String, capabilities: [String] = []) throws {
        try setCapabilities(capabilities)
        try qmp.execute("migrate", ["uri": .string("file:" + path)])
        let info = try qmp.waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: 60)
        guard info["status"] == "completed" else { throw TestingError("QEMU's migration did not complete: \(info)") }
    }

    /// `migrate-incoming file:PATH` (started with `incoming`) with `capabilities` on; waits for `completed`.
    func restore(from path: String, capabilities: [String] = []) throws {
        try setCapabilities(capabilities)
        try qmp.execute("migrate-incoming", ["uri": .string("file:" + path), "exit-on-error": false])
        let info = try qmp.waitForMigrationStatus(["completed", "failed"], timeout: 60)
        guard info["status"] == "completed" else { throw TestingError("QEMU's restore did not complete: \(info)") }
    }

    private func setCapabilities(_ capabilities: [String]) throws {
        guard !capabilities.isEmpty else { return }
        try qmp.execute("migrate-set-capabilities", ["capabilities": .array(capabilities.map {
            ["capability": .string($0), "state": true]
        })])
    }
}
