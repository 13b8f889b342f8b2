import Machine
import MachineTesting
import Migration
import Testing
import VFIO

/// The machine's one device table: each device with its migration handler, so `device_del` takes both away
/// and frees the PCI slot.
@Suite("Device table", .serialized)
struct DeviceTableTests {
    /// The message of the `VFIOError` `body` throws, or nil.
    private func vfioErrorMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return (error as? VFIOError)?.message ?? "non-VFIO error: \(error)"
        }
    }

    @Test("slots, idstr, qom path, lookup, duplicates")
    func registry() throws {
        let machine = DeviceTable()
        let first = try machine.add(commandLine: "vfio-pci,id=gpu0,x-state-size=64K")
        let second = try machine.add(commandLine: "vfio-pci,id=gpu1,x-state-size=64K")
        #expect(first.idstr == "0000:00:05.0/vfio")
        #expect(second.idstr == "0000:00:06.0/vfio")
        #expect(first.qomPath == "/machine/peripheral/gpu0")
        #expect(machine.device(qomPath: "/machine/peripheral/gpu1") === second)
        #expect(machine.device(qomPath: "gpu1") === second)
        #expect(machine.device(idstr: "0000:00:05.0/vfio", instanceID: 0) === first)
        #expect(machine.device(idstr: "0000:00:05.0/vfio", instanceID: 1) == nil)
        #expect(vfioErrorMessage { try machine.add(commandLine: "vfio-pci,id=gpu0") } == "Duplicate ID 'gpu0' for device")
        let crowded = DeviceTable(firstSlot: 31)
        _ = try crowded.add(commandLine: "vfio-pci,id=a,x-state-size=4K")
        #expect(crowded.devices[0].idstr == "0000:00:1f.0/vfio")
        #expect(vfioErrorMessage { try crowded.add(commandLine: "vfio-pci,id=b") }
            == "PCI: no slot/function available for vfio-pci, all in use or reserved")
    }

    @Test("an unplugged device is not migrated: the destination without it completes")
    func unpluggedDeviceLeavesTheMigration() throws {
        let pair = try MachinePair(devices: ["vfio-pci,id=gone,x-state-size=1M"], destinationDevices: [])
        #expect(pair.source.machine.unplug(id: "gone") != nil)
        #expect(pair.source.machine.host.saveHandlers.isEmpty)
        let outcome = try pair.run()
        #expect(outcome.source.status == .completed, "\(outcome.source.errorDesc ?? "-")")
        #expect(outcome.destination.status == .completed, "\(outcome.destination.errorDesc ?? "-")")
        #expect(pair.source.machine.host.digests() == pair.destination.machine.host.digests())
    }

    @Test("an unplugged device no longer follows the run state and announces nothing")
    func unpluggedDeviceIgnoresRunStateChanges() throws {
        let machine = try TestMachine(size: 1 << 20, devices: ["vfio-pci,id=gone,migration-events=on"])
        let device = try #require(machine.machine.unplug(id: "gone"))
        let before = machine.announced.count
        machine.machine.vm.stop()
        #expect(device.deviceState == .running)
        machine.machine.vm.resume()
        let after = machine.announced.dropFirst(before).filter {
            if case .vfioMigration = $0 { true } else { false }
        }
        #expect(after.isEmpty, "\(after)")
        #expect(machine.events == ["STOP", "RESUME"])
        machine.stop()
    }

    @Test("unplugging frees the slot: 40 plug/unplug cycles all get slot 5, a gap is filled first")
    func unplugFreesTheSlot() throws {
        let machine = try TestMachine(size: 1 << 20)
        for cycle in 0..<40 {
            let device = try machine.machine.plug(commandLine: "vfio-pci,id=dev\(cycle)")
            #expect(device.idstr == "0000:00:05.0/vfio", "cycle \(cycle)")
            #expect(machine.machine.unplug(id: device.id) === device)
        }
        for id in ["a", "b", "c"] { try machine.machine.plug(commandLine: "vfio-pci,id=\(id)") }
        machine.machine.unplug(id: "b")
        #expect(try machine.machine.plug(commandLine: "vfio-pci,id=d").pciSlot == 6)
        #expect(machine.machine.devices.devices.map(\.id) == ["a", "c", "d"])
        #expect(machine.machine.devices.saveStateHandlers.map(\.idstr) == ["0000:00:05.0/vfio", "0000:00:07.0/vfio", "0000:00:06.0/vfio"])
        machine.stop()
    }
}
