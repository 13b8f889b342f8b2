import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// HMP sessions with `vmig` against real `vmigd` processes: a whole migration driven by HMP text, QOM and
/// device commands on a real device, and the same text through QMP's `human-monitor-command`.
@Suite("vmig driving real vmigd processes")
struct RealDaemonSessionTests {
    private let directory: TemporaryDirectory
    private let vmig: VMigProcess

    init() throws {
        directory = try TemporaryDirectory(prefix: "vmig-hmp-real")
        vmig = VMigProcess(directory: directory)
    }

    private func daemon(_ name: String, _ arguments: [String]) throws -> DaemonProcess {
        try DaemonProcess.vmigd(
            in: directory, name: name,
            extraArguments: ["-m", "32M", "--device", "vfio-pci,id=gpu0,x-state-size=4M"] + arguments)
    }

    @Test func aWholeMigrationDrivenByHMPScripts() throws {
        let destination = try daemon("dst", ["--incoming", "defer"])
        let source = try daemon("src", ["--dirty-rate", "4M"])
        let uri = "unix:" + directory.path + "/mig.sock"
        let setup = "migrate_set_capability multifd on\nmigrate_set_capability events on\nmigrate_set_parameter multifd-channels 3\nmigrate_set_parameter max-bandwidth 0\nmigrate_set_parameter avail-switchover-bandwidth 1G\n"
        #expect(try vmig.run(["-s", destination.socketPath], input: setup + "migrate_incoming \(uri)\n").status == 0)
        // A 4 MiB state is 1024 pages, each with a 24-byte header in the device's data stream: 4120 KiB.
        let before = try vmig.run(["-s", source.socketPath, "info", "vfio"]).stdout
        #expect(before.contains("  phase: idle\n  state size: 4096 kbytes\n  stream size: 4120 kbytes\n"), "\(before)")
        #expect(before.hasSuffix("  progress: 0%\n"), "\(before)")
        #expect(try vmig.run(["-s", source.socketPath], input: setup + "migrate -d \(uri)\n").status == 0)
        var info = ""
        let deadline = HostClock.monotonicSeconds + 60
        while HostClock.monotonicSeconds < deadline {
            info = try vmig.run(["-s", source.socketPath, "info", "migrate"]).stdout
            if info.contains("Migration status: completed") || info.contains("Migration status: failed") { break }
            usleep(50_000)
        }
        #expect(info.contains("Migration status: completed"), "\(info)")
        #expect(info.contains("send-switchover-start: on"))
        #expect(info.contains("total ram: 32768 kbytes"))
        #expect(info.contains("vfio device transferred: "), "\(info)")
        let capabilities = try vmig.run(["-s", source.socketPath, "info", "migrate_capabilities"]).stdout
        #expect(capabilities.contains("multifd: on\n") && capabilities.contains("events: on\n"))
        let parameters = try vmig.run(["-s", source.socketPath, "info", "migrate_parameters"]).stdout
        #expect(parameters.contains("multifd-channels: 3\n"), "\(parameters)")
        #expect(try vmig.run(["-s", source.socketPath, "info", "status"]).stdout == "VM status: paused (postmigrate)\n")
        #expect(try vmig.run(["-s", destination.socketPath, "info", "status"]).stdout == "VM status: running\n")
        let vfio = try vmig.run(["-s", destination.socketPath, "info", "vfio"]).stdout
        #expect(vfio.contains("vfio device gpu0"), "\(vfio)")
        #expect(vfio.contains("  stream size: 4120 kbytes\n") && vfio.contains("  loaded: 4120 kbytes\n"), "\(vfio)")
        #expect(vfio.hasSuffix("  progress: 100%\n"), "\(vfio)")
        let sent = try vmig.run(["-s", source.socketPath, "info", "vfio"]).stdout
        #expect(sent.contains("  phase: completed\n"), "\(sent)")
        #expect(sent.contains("  stream size: 4120 kbytes\n  read: 4120 kbytes\n") && sent.hasSuffix("  progress: 100%\n"), "\(sent)")
        let digests = (
            try QMPTestClient(path: source.socketPath).execute("x-query-digest"),
            try QMPTestClient(path: destination.socketPath).execute("x-query-digest"))
        #expect(digests.0 == digests.1)
    }

    @Test func qomAndDeviceCommandsOnARealDevice() throws {
        let vm = try daemon("vm", [])
        let script = """
            qom-list /machine/peripheral
            qom-get gpu0 x-state-size
            qom-set gpu0 x-migration-multifd-transfer off
            qom-get gpu0 x-migration-multifd-transfer
            device_add vfio-pci,id=nic9,x-state-size=1M
            qom-list /machine/peripheral
            device_del nic9
            qom-list /machine/peripheral

            """
        let output = try vmig.run(["-s", vm.socketPath], input: script)
        #expect(output.status == 0, "\(output)")
        #expect(output.stdout.contains("gpu0 (child<vfio-pci>)"), "\(output.stdout)")
        #expect(output.stdout.contains("4194304"), "\(output.stdout)")
        #expect(output.stdout.contains("\"off\"") || output.stdout.contains("off\n"), "\(output.stdout)")
        #expect(output.stdout.contains("nic9 (child<vfio-pci>)"), "\(output.stdout)")
        let failure = try vmig.run(["-s", vm.socketPath, "qom-set", "gpu0", "x-state-size", "8M"])
        #expect(failure.status == 1)
        #expect(failure.stderr.contains("after it was realized"), "\(failure)")
    }

    @Test func humanMonitorCommandRunsTheSameHMPCode() throws {
        let vm = try daemon("vm", [])
        let client = try QMPTestClient(path: vm.socketPath)
        let viaQMP = try client.execute("human-monitor-command", ["command-line": "info migrate_capabilities"])
        let viaClient = try vmig.run(["-s", vm.socketPath, "info", "migrate_capabilities"]).stdout
        #expect(viaQMP.stringValue?.replacingCRLF() == viaClient)
        #expect(try client.execute("human-monitor-command", ["command-line": "migrat"]) == "unknown command: 'migrat'\r\nDid you mean 'migrate'?\r\n")
    }
}

extension String {
    fileprivate func replacingCRLF() -> String {
        split(separator: "\r\n", omittingEmptySubsequences: false).joined(separator: "\n")
    }
}
