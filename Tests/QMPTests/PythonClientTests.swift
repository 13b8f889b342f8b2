import Glibc
import Testing
import VMigTesting

/// The unmodified `qemu.qmp` library (what management tools use) against a real vmigd.
@Suite("Python qemu.qmp client")
struct PythonClientTests {
    @Test func qemuQMPClientNegotiatesExecutesAndReceivesEvents() throws {
        let vm = try DaemonFixture()
        let script = Self.scriptPath("qmp_client_check.py")
        let log = vm.directory.path + "/python.log"
        let python = try DaemonProcess(binary: "/usr/bin/env", arguments: ["python3", script, vm.daemon.socketPath], socketPath: "", logPath: log)
        let status = python.waitForExit(timeout: 60)
        let output = python.log
        #expect(status == 0, "python client failed:\n\(output)")
        #expect(output.contains("OK qemu.qmp"))
        #expect(vm.daemon.waitForExit(timeout: 10) == 0, "quit from python must stop the daemon")
    }

    static func scriptPath(_ name: String) -> String {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/python/" + name
    }
}
