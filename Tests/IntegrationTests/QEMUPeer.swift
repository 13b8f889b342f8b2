import Glibc
import VMigTesting

/// A real QEMU 10.0 (`-machine none`, a ``QEMUProcess``) with the tests' conveniences: its RAM file filled first,
/// and a save to or restore from a `file:` URI.
final class QEMUPeer: @unchecked Sendable {
    private let qemu: QEMUProcess
    var process: DaemonProcess { qemu.process }
    var qmp: QMPTestClient { qemu.qmp }

    /// `VMIG_QEMU`, else `.build/qemu10/usr/bin/qemu-system-x86_64` (scripts/install-qemu10.sh, `make qemu10`).
    static var binary: String { QEMUProcess.binary }

    /// Starts QEMU with 64 MiB of RAM, or RAM backed by `memoryFile` (shared, so it is the file's bytes).
    /// With `incoming`, it waits for `migrate-incoming` (`-incoming defer`).
    convenience init(in directory: TemporaryDirectory, memoryFile: String? = nil, incoming: Bool = false) throws {
        try self.init(in: directory, name: "qemu", ramSize: 64 << 20, memoryFile: memoryFile, incoming: incoming)
    }

    /// Starts QEMU named `name` (its QMP socket and log in `directory`) with `ramSize` bytes of RAM, backed by
    /// `memoryFile` when given (`memory-backend-file` `backendID`, `share=on`: after a migration into QEMU the file
    /// holds the guest RAM, and the RAM block is named after the backend); paused (`-S`) unless `paused` is false;
    /// waiting for `migrate-incoming` with `incoming`; `extraArguments` last.
    init(in directory: TemporaryDirectory, name: String, ramSize: Int, memoryFile: String? = nil,
         backendID: String = "ram", paused: Bool = true, incoming: Bool = false, extraArguments: [String] = []) throws {
        qemu = try QEMUProcess(in: directory, name: name, memoryBytes: UInt64(ramSize), memoryFile: memoryFile,
                               backendID: backendID, paused: paused, incoming: incoming, extraArguments: extraArguments)
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
