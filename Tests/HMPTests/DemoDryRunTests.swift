import Testing
import VMigTesting

@Suite("vmig demo --dry-run: the planned vmigd command lines and HMP commands")
struct DemoDryRunTests {
    private let vmig: VMigProcess

    init() throws {
        vmig = VMigProcess(directory: try TemporaryDirectory(prefix: "vmig-demo-test"))
    }

    @Test func smallDemoWithMultiFD() throws {
        let output = try vmig.run([
            "demo", "--dry-run", "--memory", "64M", "--devices", "16M,8M,4M", "--channels", "2", "--dirty-rate", "8M",
            "--device-bandwidth", "1G", "--max-bandwidth", "4G", "--vmigd", "/opt/vmig/vmigd",
        ])
        let device = ",x-read-bandwidth=1G,x-write-bandwidth=1G"
        let devices = "--device vfio-pci,id=gpu0,x-state-size=16M\(device) --device vfio-pci,id=nic0,x-state-size=8M\(device) "
            + "--device vfio-pci,id=dpu0,x-state-size=4M\(device)"
        #expect(output == .init(status: 0, stdout: """
            # vmig demo: 64.0 MiB of RAM dirtied at 8.0 MiB/s, 3 VFIO devices (gpu0 16.0 MiB, nic0 8.0 MiB, dpu0 4.0 MiB), multifd over 2 channels
            # scratch directory: /tmp/vmig-demo.XXXXXX
            destination: /opt/vmig/vmigd --name demo-dst --qmp unix:/tmp/vmig-demo.XXXXXX/dst.qmp -m 64M --incoming defer \(devices) --exit-with-parent
            source: /opt/vmig/vmigd --name demo-src --qmp unix:/tmp/vmig-demo.XXXXXX/src.qmp -m 64M --memory-fill random --dirty-rate 8M \(devices) --exit-with-parent
            (dst) migrate_set_capability events on
            (dst) migrate_set_capability multifd on
            (dst) migrate_set_parameter multifd-channels 2
            (dst) stop
            (dst) migrate_incoming unix:/tmp/vmig-demo.XXXXXX/migration.sock
            (src) migrate_set_capability events on
            (src) migrate_set_capability multifd on
            (src) migrate_set_parameter multifd-channels 2
            (src) migrate_set_parameter max-bandwidth 4G
            (src) migrate unix:/tmp/vmig-demo.XXXXXX/migration.sock
            (dst) info status
            (dst) cont
            (dst) info status
            (src) info status
            (src) quit
            (dst) quit

            """, stderr: ""))
    }

    @Test func withoutMultiFDAndDevices() throws {
        let output = try vmig.run(["demo", "--dry-run", "--no-multifd", "--devices", "", "--memory", "1536M", "--vmigd", "/v"])
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix(
            "# vmig demo: 1.5 GiB of RAM dirtied at 64.0 MiB/s, no VFIO devices, without multifd (one main channel)\n"))
        #expect(output.stdout.contains("destination: /v --name demo-dst --qmp unix:/tmp/vmig-demo.XXXXXX/dst.qmp -m 1536M --incoming defer --exit-with-parent\n"))
        #expect(!output.stdout.contains("multifd on"))
        #expect(output.stdout.contains("(dst) migrate_set_capability events on\n(dst) stop\n"))
    }

    @Test func defaultsLocateVmigdNextToVmig() throws {
        let output = try vmig.run(["demo", "--dry-run"])
        #expect(output.stdout.contains("destination: \(DaemonProcess.binaryDirectory)/vmigd --name demo-dst"))
        #expect(output.stdout.contains("-m 1G"))
        #expect(output.stdout.contains("3 VFIO devices (gpu0 512.0 MiB, nic0 256.0 MiB, dpu0 64.0 MiB), multifd over 4 channels"))
    }

    @Test func badSizesAreRejected() throws {
        let output = try vmig.run(["demo", "--dry-run", "--memory", "lots"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("--memory: 'lots' is not a size (e.g. 512M, 1G)"))
        #expect(try vmig.run(["demo", "--dry-run", "--channels", "0"]).stderr.contains("--channels must be between 1 and 255"))
    }
}
