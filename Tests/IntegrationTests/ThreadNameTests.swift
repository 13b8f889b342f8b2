import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// The engine's threads carry QEMU-like names in `top -H`, gdb and perf.
@Suite struct ThreadNameTests {
    @Test func migrationThreadsAreNamed() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["pause-before-switchover": true, "multifd": true])
        try pair.setParameters(["multifd-channels": 2])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["pre-switchover"])
        let source = threadNames(of: pair.source.pid)
        let destination = threadNames(of: pair.destination.pid)
        for name in ["live_migration", "return_path", "multifdsend_0", "multifdsend_1"] {
            #expect(source.contains(name), "\(source)")
        }
        for name in ["mig-accept", "mig-channel"] {
            #expect(destination.contains(name), "\(destination)")
        }
        try pair.src.execute("migrate-continue", ["state": "pre-switchover"])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(pair.dst, ["completed"])
    }

    private func threadNames(of pid: pid_t) -> Set<String> {
        let directory = "/proc/\(pid)/task"
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: Set<String> = []
        while let entry = readdir(stream) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard tid.first?.isNumber == true, let comm = TextFile.read("\(directory)/\(tid)/comm") else { continue }
            names.insert(comm.hasSuffix("\n") ? String(comm.dropLast()) : comm)
        }
        return names
    }
}
