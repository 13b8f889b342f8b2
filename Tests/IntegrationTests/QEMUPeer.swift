import Glibc
import VMigTesting

/// A real QEMU 10.0 (`-machine none`) as a child process with a QMP socket, paused (`-S`).
final class QEMUPeer: @unchecked Sendable {
    let process: DaemonProcess
    let qmp: QMPTestClient

    /// `VMIG_QEMU`, else `.build/qemu10/usr/bin/qemu-system-x86_64` (scripts/install-qemu10.sh, `make qemu10`).
    static var binary: String { QEMUProcess.binary }

    /// Starts QEMU with 64 MiB of RAM, or RAM backed by `memoryFile` (shared, so it is the file's bytes).
    /// With `incoming`, it waits for `migrate-incoming` (`-incoming defer`).
    convenience init(in directory: TemporaryDirectory, memoryFile: String? = nil, incoming: Bool = false) throws {
        try self.init(in: directory, name: "qemu", ramSize: 64 << 20, memoryFile: memoryFile, incoming: incoming)
    }

    /// Starts QEMU named `name` (its QMP socket and log in `directory`) with `ramSize` bytes of RAM, backed by
    /// `memoryFile` when given (`memory-backend-file` `backendID`, `share=on`: after a migration into QEMU the file
    /// holds the guest RAM, and the RAM block is named after the backend); paused (`-S`) unless `paused` is false; waiting for `migrate-incoming` with `incoming`.
    init(in directory: TemporaryDirectory, name: String, ramSize: Int, memoryFile: String? = nil,
         backendID: String = "ram", paused: Bool = true, incoming: Bool = false) throws {
        guard access(Self.binary, X_OK) == 0 else {
            throw TestingError("no QEMU 10.0 at \(Self.binary): run scripts/install-qemu10.sh (make qemu10) or set VMIG_QEMU")
        }
        let socket = directory.path + "/\(name).qmp"
        let megabytes = "\(ramSize >> 20)M"
        var arguments = ["-machine", "none", "-m", megabytes]
        if let memoryFile {
            arguments = ["-machine", "none,memory-backend=\(backendID)", "-m", megabytes, "-object",
                         "memory-backend-file,id=\(backendID),size=\(megabytes),mem-path=\(memoryFile),share=on"]
        }
        if paused { arguments.append("-S") }
        if incoming { arguments += ["-incoming", "defer"] }
        process = try DaemonProcess(
            binary: Self.binary,
            arguments: arguments + ["-nodefaults", "-display", "none", "-serial", "none", "-monitor", "none",
                                    "-qmp", "unix:\(socket),server=on,wait=off"],
            socketPath: socket, logPath: directory.path + "/\(name).log")
        try process.waitForSocket(timeout: 30)
        qmp = try QMPTestClient(path: socket)
    }

    /// A file of `size` bytes for `memory-backend-file`: random bytes from `seed`, or zeros (sparse) when nil;
    /// with `zeroPages` every fourth 4 KiB page is zero.
    static func makeMemoryFile(_ path: String, size: Int, seed: UInt64?, zeroPages: Bool = false) throws {
        if let seed {
            try RandomFile.write(path, bytes: UInt64(size), seed: seed, zeroPages: zeroPages)
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TestingError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw TestingError("cannot size \(path)") }
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
