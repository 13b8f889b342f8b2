import Glibc
import POSIXSupport

/// What a process holds, counted from /proc: open descriptors, threads and resident memory.
package struct ProcessResources: Equatable, CustomStringConvertible, Sendable {
    /// Entries of /proc/PID/fd.
    package var descriptors: Int
    /// Entries of /proc/PID/task.
    package var threads: Int

    /// Counts given directly.
    package init(descriptors: Int, threads: Int) {
        self.descriptors = descriptors
        self.threads = threads
    }

    /// The counts of `pid` now; nil when the process is gone.
    package static func of(_ pid: pid_t) -> ProcessResources? {
        guard let descriptors = entries(in: "/proc/\(pid)/fd"), let threads = entries(in: "/proc/\(pid)/task") else {
            return nil
        }
        return ProcessResources(descriptors: descriptors, threads: threads)
    }

    /// Resident memory of `pid` in bytes (VmRSS), nil when the process is gone.
    package static func residentBytes(of pid: pid_t) -> Int? {
        guard let status = TextFile.read("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    /// True when these counts are at most `baseline`'s (a daemon may end an idle helper thread meanwhile).
    package func isWithin(_ baseline: ProcessResources) -> Bool {
        descriptors <= baseline.descriptors && threads <= baseline.threads
    }

    /// Waits up to `timeout` seconds until `pid` holds at most `baseline`'s descriptors and threads; returns the
    /// last counts read (which are over the baseline on timeout).
    @discardableResult
    package static func waitForBaseline(_ pid: pid_t, _ baseline: ProcessResources, timeout: Double = 15)
        -> ProcessResources? {
        var last = of(pid)
        _ = Poll.until(timeout: timeout, interval: 50_000) {
            last = of(pid)
            return last?.isWithin(baseline) ?? false
        }
        return last
    }

    package var description: String { "\(descriptors) fds, \(threads) threads" }

    private static func entries(in directory: String) -> Int? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var count = 0
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { $0.prefix { $0 != 0 } }
            if !(name.elementsEqual([0x2E]) || name.elementsEqual([0x2E, 0x2E])) { count += 1 }
        }
        return count
    }
}
