import Testing
import VMigTesting

/// `vmig demo` — what `make demo` runs — end to end with real daemons, at small sizes.
@Suite("vmig demo")
struct DemoTests {
    @Test(arguments: [["--channels", "2"], ["--no-multifd"]])
    func demoMigratesAndVerifiesIntegrity(options: [String]) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-demo-test")
        let demo = try DaemonProcess(
            binary: "vmig",
            arguments: ["demo", "--memory", "64M", "--devices", "8M,4M,2M", "--dirty-rate", "8M"] + options,
            socketPath: "", logPath: directory.path + "/demo.log")
        let status = demo.waitForExit(timeout: 120)
        let output = demo.log
        #expect(status == 0, "demo failed:\n\(output)")
        #expect(output.contains("Migration completed"), "\(output)")
        #expect(output.contains("integrity:    OK: RAM and 3 device digests identical"), "\(output)")
        #expect(output.contains("Demo finished"), "\(output)")
    }
}
