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
            #expect(Poll.until(timeout: 10) { !ProcessStat.isRunning(pid) })
            #expect(access(socket, F_OK) != 0)
        } else {
            usleep(1_000_000)
            #expect(ProcessStat.isRunning(pid))
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
        #expect(ProcessStat.isRunning(pid))
        #expect(Poll.until(timeout: 60) { !ProcessStat.isRunning(pid) })
        #expect(access(socket, F_OK) != 0)
    }
}
