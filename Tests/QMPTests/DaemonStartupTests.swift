import Glibc
import POSIXSupport
import Testing
import VMigTesting

/// `vmigd`'s command line: its option errors, `--version`, `-m` against the machine's memory, a signal during
/// the RAM fill, and `--daemonize`.
@Suite("vmigd options and start-up")
struct DaemonStartupTests {
    /// Runs `vmigd arguments…` to its end; its status and output (stdout and stderr together).
    private func run(_ arguments: [String], in directory: TemporaryDirectory, timeout: Double = 30) throws -> (Int32?, String) {
        let daemon = try DaemonProcess(arguments: arguments, socketPath: directory.path + "/unused.qmp", logPath: directory.path + "/run.log")
        let status = daemon.waitForExit(timeout: timeout)
        daemon.terminate()
        return (status, daemon.log)
    }

    @Test func versionNeedsNoMonitor() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-opt")
        let (status, output) = try run(["--version"], in: directory)
        #expect(status == 0)
        #expect(output == "vmigd version 0.1.0 (QMP of QEMU 10.0.0)\n")
    }

    @Test func anUnknownOptionIsNamedEvenWithoutAMonitor() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-opt")
        let (status, output) = try run(["--bogus"], in: directory)
        #expect(status == 64)
        #expect(output.hasPrefix("Error: Unknown option '--bogus'\n"), "\(output)")
    }

    @Test(arguments: [
        (["--log-level", "loud"], "Error: --log-level 'loud': expected trace, debug, info, notice, warning, error or critical\n"),
        (["-m", "-5"], "Error: -m -5: guest RAM must be at least one 4 KiB page\n"),
        (["-m", "0"], "Error: -m 0: guest RAM must be at least one 4 KiB page\n"),
        (["-m", "5K"], "Error: -m 5K: 5120 bytes is not a whole number of 4 KiB pages\n"),
        (["-m", "12X"], "Error: -m 12X: expected a size like 512M or 2G (suffix K, M, G or T; no suffix: MiB)\n"),
        (["--daemonize", "--exit-with-parent"], "Error: --daemonize and --exit-with-parent cannot be used together (the launcher exits at once)\n"),
    ])
    func badOptionsAreNamed(arguments: [String], message: String) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-opt")
        let (status, output) = try run(arguments + ["--qmp", "unix:" + directory.path + "/a.qmp"], in: directory)
        #expect(status == 64)
        #expect(output.hasPrefix(message), "\(output)")
    }

    @Test func guestRAMBeyondWhatTheMachineHasIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-opt")
        let socket = directory.path + "/a.qmp"
        let (status, output) = try run(["-m", "64T", "--qmp", "unix:" + socket], in: directory, timeout: 10)
        #expect(status == 1)
        #expect(output.hasPrefix("vmigd: cannot set up guest memory 'pc.ram': Cannot allocate memory (-m 64T is more than the "), "\(output)")
        #expect(access(socket, F_OK) != 0)
    }

    /// The signal handlers are in place before the seconds of RAM fill, and the fill stops at once.
    @Test func sigtermDuringTheRAMFillShutsDownCleanly() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-opt")
        let socket = directory.path + "/a.qmp"
        let daemon = try DaemonProcess(
            arguments: ["--exit-with-parent", "-m", "2G", "--qmp", "unix:" + socket], socketPath: socket,
            logPath: directory.path + "/log")
        defer { daemon.terminate() }
        let filling = Poll.until(timeout: 20, interval: 5_000) { Self.residentKiB(daemon.pid) > 64 << 10 }
        try #require(filling && access(socket, F_OK) != 0, "the fill was not seen running")
        daemon.send(signal: SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
        #expect(access(socket, F_OK) != 0)
    }

    @Test func daemonizeReturnsOnceTheMonitorListens() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-dz")
        defer { DetachedProcesses.stopAll(commandLineContaining: directory.path) }
        let socket = directory.path + "/a.qmp"
        let launcher = try DaemonProcess(
            arguments: ["--daemonize", "--name", "bg", "-m", "64M", "--qmp", "unix:" + socket], socketPath: socket,
            logPath: directory.path + "/launcher.log")
        #expect(launcher.waitForExit(timeout: 30) == 0)
        // No waiting: the socket accepts as soon as the launcher has returned.
        let client = try QMPTestClient(path: socket)
        #expect(try client.execute("query-name") == ["name": "bg"])
        let pids = DetachedProcesses.pids(commandLineContaining: socket)
        try #require(pids.count == 1)
        #expect(getsid(pids[0]) == pids[0], "the daemon leads a session of its own")
        #expect(try client.execute("quit") == .emptyObject)
        #expect(Poll.until(timeout: 10, interval: 20_000) { !ProcessStat.isRunning(pids[0]) })
        #expect(access(socket, F_OK) != 0)
        #expect(launcher.log.isEmpty)
    }

    @Test func daemonizeReportsAFailedStart() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-dz")
        defer { DetachedProcesses.stopAll(commandLineContaining: directory.path) }
        let socket = directory.path + "/no-such-directory/a.qmp"
        let (status, output) = try run(["--daemonize", "-m", "16M", "--qmp", "unix:" + socket], in: directory)
        #expect(status == 1)
        #expect(output.hasPrefix("vmigd: cannot listen on QMP socket '\(socket)'"), "\(output)")
        #expect(DetachedProcesses.pids(commandLineContaining: directory.path).isEmpty)
    }

    /// VmRSS of /proc/PID/status in KiB (0 when unknown).
    private static func residentKiB(_ pid: pid_t) -> Int {
        guard let status = TextFile.read("/proc/\(pid)/status"),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
