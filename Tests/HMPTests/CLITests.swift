import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

@Suite("vmig against a spawned vmigd: one-shot, script mode, exit codes")
struct CLITests {
    private let directory: TemporaryDirectory
    private let vmig: VMigProcess

    init() throws {
        directory = try TemporaryDirectory(prefix: "vmig-hmp")
        vmig = VMigProcess(directory: directory)
    }

    private func daemon(_ arguments: [String] = []) throws -> DaemonProcess {
        try DaemonProcess.vmigd(in: directory, name: "vm", extraArguments: ["-m", "16M"] + arguments)
    }

    @Test func oneShotInfoStatusAndVersion() throws {
        let vm = try daemon()
        #expect(try vmig.run(["-s", vm.socketPath, "info", "status"]) == .init(status: 0, stdout: "VM status: running\n", stderr: ""))
        #expect(try vmig.run(["-s", "unix:" + vm.socketPath, "info", "version"])
            == .init(status: 0, stdout: "10.0.0vmig 0.1.0\n", stderr: ""))
        #expect(try vmig.run(["--socket", vm.socketPath, "info name"]) == .init(status: 0, stdout: "vm\n", stderr: ""))
        #expect(try vmig.run(["-s", vm.socketPath, "--", "info", "status"]).stdout == "VM status: running\n")
    }

    @Test func oneShotStopAndCont() throws {
        let vm = try daemon(["--paused"])
        #expect(try vmig.run(["-s", vm.socketPath, "info", "status"]).stdout == "VM status: paused (prelaunch)\n")
        #expect(try vmig.run(["-s", vm.socketPath, "cont"]) == .init(status: 0, stdout: "", stderr: ""))
        #expect(try vmig.run(["-s", vm.socketPath, "info", "status"]).stdout == "VM status: running\n")
        #expect(try vmig.run(["-s", vm.socketPath, "stop"]) == .init(status: 0, stdout: "", stderr: ""))
        #expect(try vmig.run(["-s", vm.socketPath, "info", "status"]).stdout == "VM status: paused\n")
    }

    @Test func unknownCommandExitsOneWithAHint() throws {
        let vm = try daemon()
        #expect(try vmig.run(["-s", vm.socketPath, "migrat", "-d", "unix:/tmp/x"])
            == .init(status: 1, stdout: "", stderr: "unknown command: 'migrat'\nDid you mean 'migrate'?\n"))
        #expect(try vmig.run(["-s", vm.socketPath, "stop", "now"]) == .init(
            status: 1, stdout: "", stderr: "stop|s: extraneous characters at the end of line\nTry \"help stop\" for more information\n"))
    }

    @Test func badValueNamesTheParameter() throws {
        let vm = try daemon()
        #expect(try vmig.run(["-s", vm.socketPath, "migrate_set_parameter", "multifd-channels", "300"])
            == .init(status: 1, stdout: "", stderr: "Error: Parameter 'multifd-channels' expects uint8_t, a whole number from 0 to 255\n"))
    }

    @Test func scriptMode() throws {
        let vm = try daemon()
        let script = "info status\nstop\ninfo status\n\nbogus\ncont\ninfo status\ninfo version\n"
        #expect(try vmig.run(["-s", vm.socketPath], input: script) == .init(
            status: 1, stdout: "VM status: running\nVM status: paused\nVM status: running\n10.0.0vmig 0.1.0\n",
            stderr: "unknown command: 'bogus'\n"))
        #expect(try vmig.run(["-s", vm.socketPath], input: "stop\ncont\n") == .init(status: 0, stdout: "", stderr: ""))
    }

    @Test func quitEndsTheScriptAndTheDaemon() throws {
        let vm = try daemon()
        #expect(try vmig.run(["-s", vm.socketPath], input: "info status\nquit\ninfo status\n")
            == .init(status: 0, stdout: "VM status: running\n", stderr: ""))
        #expect(vm.waitForExit(timeout: 10) == 0)
    }

    /// On a terminal the session says first that `quit` stops the daemon (a newcomer may take it for "leave").
    @Test func interactiveSessionWarnsThatQuitStopsTheDaemon() throws {
        let vm = try daemon()
        // A pseudo-terminal for vmig's stdin: /dev/ptmx, unlocked (TIOCSPTLCK), its number (TIOCGPTN) naming
        // the /dev/pts side (posix_openpt and friends do not import into Swift).
        let terminal = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        defer { close(terminal) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(terminal >= 0 && ioctl(terminal, 0x4004_5431, &unlock) == 0 && ioctl(terminal, 0x8004_5430, &number) == 0)
        let run = try vmig.start(["-s", vm.socketPath], inputPath: "/dev/pts/\(number)", name: "tty")
        defer { run.terminate() }
        let out = directory.path + "/tty.out"
        #expect(Poll.until(timeout: 20, interval: 10_000) { ((try? TemporaryDirectory.read(out)) ?? "").contains("Ctrl-D") })
        _ = "quit\r".withCString { Glibc.write(terminal, $0, 5) }
        #expect(run.waitForExit(timeout: 20) == 0)
        #expect(vm.waitForExit(timeout: 10) == 0)
        #expect(try TemporaryDirectory.read(out).hasPrefix("""
            vmig monitor on \(vm.socketPath) - type 'help' for more information
            'quit' stops vmigd, as QEMU's stops QEMU; Ctrl-D leaves vmig and keeps the VM running

            """))
    }

    @Test func serverErrorsNameWhatWasTyped() throws {
        let vm = try daemon()
        #expect(try vmig.run(["-s", vm.socketPath, "migrate_set_parameter", "multifd-channels", "0"])
            == .init(status: 1, stdout: "", stderr: "Error: Parameter 'multifd-channels' expects a value between 1 and 255\n"))
        #expect(try vmig.run(["-s", vm.socketPath, "migrate_incoming", "unix:/tmp/m.sock"]) == .init(
            status: 1, stdout: "",
            stderr: "Error: '--incoming' was not specified on vmigd's command line\nStart the destination vmigd with --incoming defer to use migrate_incoming.\n"))
    }

    @Test func unreachableServerExitsTwo() throws {
        let missing = directory.path + "/missing.qmp"
        #expect(try vmig.run(["-s", missing, "info", "status"])
            == .init(status: 2, stdout: "", stderr: "vmig: cannot connect to \(missing): No such file or directory\n"))
        #expect(try vmig.run(["-s", missing], input: "info status\n").status == 2)
    }

    @Test func serverGoneMidSessionExitsTwo() throws {
        let vm = try daemon()
        let fifo = directory.path + "/commands"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Hold both ends first: opening a FIFO blocks until the other end is open, and posix_spawn waits
        // for the child's exec.
        let keeper = open(fifo, O_RDONLY | O_NONBLOCK)
        let writer = open(fifo, O_WRONLY)
        #expect(keeper >= 0 && writer >= 0)
        let run = try vmig.start(["-s", vm.socketPath], inputPath: fifo, name: "gone")
        close(keeper)
        func send(_ line: String) { _ = line.withCString { Glibc.write(writer, $0, strlen($0)) } }
        send("info status\n")
        let deadline = HostClock.monotonicSeconds + 20
        while HostClock.monotonicSeconds < deadline, (try? TemporaryDirectory.read(directory.path + "/gone.out")) != "VM status: running\n" {
            usleep(10_000)
        }
        vm.terminate()
        send("info status\n")
        close(writer)
        #expect(run.waitForExit(timeout: 20) == 2)
        #expect(try TemporaryDirectory.read(directory.path + "/gone.err") == "vmig: the server closed the connection\n")
    }
}
