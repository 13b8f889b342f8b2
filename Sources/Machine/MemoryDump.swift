import Glibc
import Migration

/// QEMU's `pmemsave`: guest-physical memory written to a file. vmig's guest RAM is one block at address 0;
/// addresses past its end read as zero (QEMU's unassigned memory).
public enum MemoryDump {
    /// Writes `size` bytes from guest-physical address `start` of `memory` to `path` (created 0600 or truncated).
    /// Errors in QEMU's words: `Could not open 'PATH': REASON`, `An IO error has occurred`.
    public static func save(_ memory: GuestMemory, start: UInt64, size: UInt64, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw MigrationError("Could not open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        var address = start
        var left = size
        while left > 0 {
            let written: Int
            if address < UInt64(memory.size) {
                let count = Int(min(left, UInt64(memory.size) - address, 1 << 24))
                written = write(descriptor, memory.base + Int(address), count)
            } else {
                let count = Int(min(left, UInt64(zeros.count)))
                written = zeros.withUnsafeBytes { write(descriptor, $0.baseAddress, count) }
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw MigrationError("An IO error has occurred") }
            address &+= UInt64(written)
            left -= UInt64(written)
        }
    }
}
