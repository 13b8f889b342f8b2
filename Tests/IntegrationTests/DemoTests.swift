import POSIXSupport
import Testing
import VMigTesting

/// `vmig demo` — what `make demo` runs — end to end with real daemons.
@Suite("vmig demo", .serialized)
struct DemoTests {
    @Test(arguments: [["--channels", "2"], ["--no-multifd"]])
    func demoMigratesAndVerifiesIntegrity(options: [String]) throws {
        let output = try runDemo(["--memory", "64M", "--devices", "8M,4M,2M", "--dirty-rate", "8M"] + options)
        #expect(output.contains("integrity:    OK: RAM and 3 device digests identical"), "\(output)")
    }

    /// With its defaults (1 GiB of RAM dirtied at 64 MiB/s, devices of 512, 256 and 64 MiB) and the variants that
    /// used to hang, the demo finishes while two busy loops load both cores: the switchover decision models the
    /// devices, and where they cannot fit the default limit the demo raises it to what they need.
    @Test(arguments: [[], ["--no-multifd"], ["--channels", "1"], ["--devices", "1G,1G,512M"]])
    func demoFinishesWhileTwoBusyLoopsLoadTheCores(options: [String]) throws {
        let directory = try TemporaryDirectory(prefix: "vmig-busy")
        let loops = try (0..<2).map { _ in
            try SpawnedProcess(executable: "/bin/sh", arguments: ["-c", "while :; do :; done"],
                               logPath: directory.path + "/loop.log")
        }
        defer {
            for loop in loops { loop.terminate() }
        }
        let output = try runDemo(options, timeout: 300)
        #expect(output.contains("integrity:    OK: RAM and"), "\(output)")
    }

    /// Runs `vmig demo` with `options`; expects it to exit 0 and finish, and returns its output.
    private func runDemo(_ options: [String], timeout: Double = 120) throws -> String {
        let directory = try TemporaryDirectory(prefix: "vmig-demo-test")
        let demo = try DaemonProcess(
            binary: "vmig", arguments: ["demo"] + options, socketPath: "", logPath: directory.path + "/demo.log")
        let status = demo.waitForExit(timeout: timeout)
        if status == nil { demo.terminate() }
        let output = demo.log
        #expect(status == 0, "demo failed:\n\(output)")
        #expect(output.contains("Migration completed"), "\(output)")
        #expect(output.contains("Demo finished"), "\(output)")
        return output
    }
}
