import Glibc
import POSIXSupport
import Testing
import VMigTesting

/// `--exit-with-parent`: a vmigd whose parent is killed outright stops by itself; without the option it stays.
@Suite("vmigd --exit-with-parent")
struct ExitWithParentTests {
    @Test(arguments: [true, false])
    func parentKilledOutright(exitWithParent: Bool) throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/vm.qmp"
        let pidFile = directory.path + "/vmigd.pid"
        let vmigd = DaemonProcess.binaryDirectory + "/vmigd"
        let option = exitWithParent ? "--exit-with-parent " : ""
        // The shell starts vmigd in the background, records its pid and becomes a sleep: vmigd's parent.
        let parent = try DaemonProcess(
            binary: "/bin/sh",
            arguments: ["-c", "'\(vmigd)' \(option)--qmp 'unix:\(socket)' -m 16M & echo $! > '\(pidFile)'; exec sleep 60"],
            socketPath: socket, logPath: directory.path + "/parent.log")
        try parent.waitForSocket(timeout: 20)
        let pid = try #require(TextFile.read(pidFile)?.split(separator: "\n").first.flatMap { pid_t($0) })
        defer { kill(pid, SIGKILL) }
        #expect(try QMPTestClient(path: socket).execute("query-status")["status"] == "running")

        parent.send(signal: SIGKILL)
        #expect(parent.waitForExit(timeout: 10) == 128 + SIGKILL)
        if exitWithParent {
            // Shut down as on `quit`: the socket file is removed and the process ends.
            #expect(Self.wait(timeout: 10) { !Self.isAlive(pid) })
            #expect(access(socket, F_OK) != 0)
        } else {
            usleep(1_000_000)
            #expect(Self.isAlive(pid))
            #expect(try QMPTestClient(path: socket).execute("query-status")["status"] == "running")
        }
    }

    @Test func parentExitsWhileTheDaemonStillFillsItsRAM() throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/vm.qmp"
        let pidFile = directory.path + "/vmigd.pid"
        let vmigd = DaemonProcess.binaryDirectory + "/vmigd"
        // Filling 1 GiB of random RAM takes seconds; the parent is gone long before the monitor listens.
        let parent = try DaemonProcess(
            binary: "/bin/sh",
            arguments: ["-c", "'\(vmigd)' --exit-with-parent --qmp 'unix:\(socket)' -m 1G & echo $! > '\(pidFile)'; exec sleep 0.3"],
            socketPath: socket, logPath: directory.path + "/parent.log")
        #expect(parent.waitForExit(timeout: 10) == 0)
        let pid = try #require(TextFile.read(pidFile)?.split(separator: "\n").first.flatMap { pid_t($0) })
        defer { kill(pid, SIGKILL) }
        #expect(Self.isAlive(pid))
        #expect(Self.wait(timeout: 60) { !Self.isAlive(pid) })
        #expect(access(socket, F_OK) != 0)
    }

    /// True while `pid` runs: it exists and is not a zombie waiting for its new parent to reap it.
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = TextFile.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[close...].dropFirst(2).first
        return state != "Z" && state != "X"
    }

    private static func wait(timeout: Double, until condition: () -> Bool) -> Bool {
        let deadline = Clock.now + timeout
        while Clock.now < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
