import Glibc
import POSIXSupport

/// A process's memory use, read from /proc/PID/status.
package enum ProcessMemory {
    /// The resident set size (`VmRSS`) in bytes, or nil when the process is gone.
    package static func residentBytes(of pid: pid_t) -> Int? {
        bytes("VmRSS", of: pid)
    }

    /// Bytes a memory bound in a test allows on top of its own: `VMIG_TEST_MEMORY_SLACK_MB` from the environment
    /// (0 when unset). `scripts/sanitize.sh address` sets it to AddressSanitizer's quarantine, which keeps that much
    /// freed memory resident on purpose.
    package static let sanitizerSlackBytes = Int(max(TestEnvironment.number("VMIG_TEST_MEMORY_SLACK_MB") ?? 0, 0)) << 20

    /// The mapped address space (`VmSize`) in bytes, or nil when the process is gone: it grows by a whole thread
    /// stack for every ended thread that nobody joined.
    package static func virtualBytes(of pid: pid_t) -> Int? {
        bytes("VmSize", of: pid)
    }

    private static func bytes(_ field: String, of pid: pid_t) -> Int? {
        guard let text = TextFile.read("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            // "VmSize:\t  862104 kB": a tab, then padding that a large value leaves out.
            let fields = line.split(omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            return kibibytes << 10
        }
        return nil
    }
}
