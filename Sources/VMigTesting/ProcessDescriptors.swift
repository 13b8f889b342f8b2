import Glibc

/// A process's open file descriptors, counted from /proc/PID/fd.
package enum ProcessDescriptors {
    /// How many descriptors `pid` has open, or nil when the process is gone.
    package static func count(of pid: pid_t) -> Int? {
        guard let directory = opendir("/proc/\(pid)/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }
}
