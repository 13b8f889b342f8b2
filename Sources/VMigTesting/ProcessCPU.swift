import Glibc

/// CPU time of a process from /proc/PID/stat (user + system), for benchmarks.
package enum ProcessCPU {
    /// Seconds of CPU the process `pid` has used so far, or nil when it cannot be read.
    package static func seconds(of pid: pid_t) -> Double? {
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        guard let fields = ProcessStat.fields(of: pid), fields.count > 12,
            let user = Double(fields[11]), let system = Double(fields[12])
        else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
