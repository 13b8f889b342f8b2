import Glibc
import Testing
import VMigTesting

@Suite("vmig demo end to end against a stand-in vmigd")
struct DemoRunTests {
    @Test func demoMigratesReportsAndShutsDown() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-demo-run")
        let fake = directory.path + "/fake-vmigd"
        guard let file = fopen(fake, "w") else { throw TestingError("cannot write \(fake)") }
        fputs(FakeVmigdScript.source, file)
        fclose(file)
        chmod(fake, 0o755)
        let output = try VMigProcess(directory: directory).run(
            ["demo", "--vmigd", fake, "--memory", "64M", "--devices", "16M,8M", "--channels", "2"], timeout: 60)
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let text = output.stdout
        #expect(text.hasPrefix(
            "vmig demo: 64.0 MiB of RAM dirtied at 64.0 MiB/s, 2 VFIO devices (gpu0 16.0 MiB, nic0 8.0 MiB), multifd over 2 channels\n"))
        for expected in [
            "(dst) migrate_set_capability multifd on\n", "(dst) stop\n", "(src) migrate_set_parameter multifd-channels 2\n",
            "(src) migrate_set_parameter max-bandwidth 16G\n(src) migrate unix:", "Migration completed\n",
            "  integrity:    OK: RAM and 2 device digests identical on source and destination (ram 0123456789abcdef…)\n",
            "(dst) info status\nVM status: paused\n(dst) cont\n(dst) info status\nVM status: running\n",
            "(src) info status\nVM status: paused (postmigrate)\n", "\n(src) quit\n(dst) quit\n\nDemo finished in ",
        ] {
            #expect(text.contains(expected), "missing: \(expected)")
        }
        #expect(text.contains("nic0  [########################] 100%       8.0 MiB / 8.0 MiB              completed (multifd)\n"))
        #expect(text.contains("  gpu0:         16.1 MiB of 16.1 MiB device data read (16.0 MiB state, multifd)\n"))
        let scratch = text.split(separator: "\n").first { $0.hasPrefix("Starting the destination") }
            .flatMap { $0.split(separator: " ").first { $0.hasPrefix("unix:/tmp/vmig-demo.") } }
            .map { String($0.dropFirst(5).dropLast(8)) }
        #expect(scratch != nil)
        if let scratch { #expect(access(scratch, F_OK) != 0, "scratch directory \(scratch) left behind") }
    }
}
