import Glibc
import JSON
import VMigTesting

/// One end of a side-by-side migration: a spawned QEMU 10.0 or vmigd, paused, with random guest RAM on a source.
///
/// QEMU's RAM is a shared file, so its bytes can be compared after the migration; vmigd's RAM is written to a file
/// with `pmemsave` for the same comparison (between two vmigd, their digests are compared instead).
final class PeerEnd {
    /// What runs at this end.
    enum Kind: String, CaseIterable {
        case qemu = "QEMU 10.0"
        case vmigd
    }

    let kind: Kind
    let qmp: QMPTestClient
    let pid: pid_t
    let memoryBytes: UInt64
    private let directory: TemporaryDirectory
    private let name: String
    /// QEMU's RAM file (nil for vmigd, whose RAM is written out on demand).
    private let qemuRAMFile: String?
    private let keepAlive: AnyObject

    /// Starts an end named `name` in `directory`. A QEMU source's RAM is `randomFile`'s bytes; vmigd sources fill
    /// their RAM with random bytes. `peer` is the kind at the other end: vmigd talks to QEMU as `--machine none`.
    init(_ kind: Kind, name: String, in directory: TemporaryDirectory, memoryBytes: UInt64, source: Bool,
         randomFile: String, peer: Kind) throws {
        self.kind = kind
        self.directory = directory
        self.name = name
        self.memoryBytes = memoryBytes
        switch kind {
        case .qemu:
            let file = directory.path + "/\(name).ram"
            if source {
                guard link(randomFile, file) == 0 || Self.copy(randomFile, to: file) else {
                    throw TestingError("cannot prepare \(file)")
                }
            }
            let qemu = try QEMUProcess(
                in: directory, name: name, memoryBytes: memoryBytes, memoryFile: file, incoming: !source)
            qmp = qemu.qmp
            pid = qemu.process.pid
            qemuRAMFile = file
            keepAlive = qemu
        case .vmigd:
            var arguments = ["-m", "\(memoryBytes >> 20)M", "--memory-fill", source ? "random" : "zero"]
            arguments += source ? ["--paused"] : ["--incoming", "defer"]
            if peer == .qemu { arguments += ["--machine", "none"] }
            let daemon = try DaemonProcess.vmigd(in: directory, name: name, extraArguments: arguments, timeout: 120)
            qmp = try QMPTestClient(path: daemon.socketPath)
            pid = daemon.pid
            qemuRAMFile = nil
            keepAlive = daemon
        }
    }

    /// A file holding this end's guest RAM.
    func ramFile() throws -> String {
        if let qemuRAMFile { return qemuRAMFile }
        let path = directory.path + "/\(name).pmemsave"
        try qmp.execute("pmemsave", ["val": 0, "size": .integer(Int64(memoryBytes)), "filename": .string(path)])
        return path
    }

    /// Hard-links are cheap on tmpfs; a copy is the fallback.
    private static func copy(_ from: String, to path: String) -> Bool {
        let input = open(from, O_RDONLY | O_CLOEXEC)
        let output = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if input >= 0 { close(input) }; if output >= 0 { close(output) } }
        guard input >= 0, output >= 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 1 << 22)
        while true {
            let count = read(input, &buffer, buffer.count)
            if count == 0 { return true }
            guard count > 0, write(output, buffer, count) == count else { return false }
        }
    }
}
