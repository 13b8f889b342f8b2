import QEMUFormats
import Testing

@testable import VFIO
import VMigTesting

@Suite("Several devices loading concurrently")
struct ConcurrentDevicesTests {
    @Test("two devices, interleaved shuffled packets dispatched by idstr from six threads", arguments: [1, 2, 3])
    func twoDevices(seed: UInt64) throws {
        let setup = VFIOMigrationSetup(multifd: true)
        let specs = ["vfio-pci,id=gpu0,x-state-size=6M,x-precopy-size=2M", "vfio-pci,id=nic0,x-state-size=5000000"]
        let source = try specs.enumerated().map { try makeDevice($1, slot: 5 + UInt8($0)) }
        let destination = try specs.enumerated().map { try makeDevice($1, slot: 5 + UInt8($0)) }
        var packets: [(String, [UInt8])] = []
        for (sourceDevice, destinationDevice) in zip(source, destination) {
            var writer = ByteArrayWriter()
            try sourceDevice.saveSetup(setup, to: &writer)
            try destinationDevice.loadSetup(setup)
            var reader = ByteArrayReader(deviceState: writer.bytes)
            try destinationDevice.loadState(from: &reader)
            (sourceDevice.backend as! SimulatedVFIOBackend).simulateGuestWrites(bytes: 1 << 20)
            try sourceDevice.vmStateChangePrepare()
            try sourceDevice.vmStateChange(running: false, finishMigrate: true)
            try sourceDevice.saveCompletePrecopyThread(
                send: { idstr, _, payload in packets.append((idstr, [UInt8](payload))) }, isAborted: { false })
        }
        var generator = SeededGenerator(state: seed)
        packets.shuffle(using: &generator)

        let loaders = destination.map { device in
            #expect(device.switchoverStart())
            return startLoadThread(device)
        }
        let errors = Box<[String]>([])
        let workers = (0..<6).map { worker in
            let share = stride(from: worker, to: packets.count, by: 6).map { packets[$0] }
            return startThread {
                for (idstr, payload) in share {
                    guard let device = destination.first(where: { $0.idstr == idstr }) else {
                        errors.mutate { $0.append("Unknown idstr \(idstr)") }
                        continue
                    }
                    if let message = vfioErrorMessage({ try load(payload, into: device) }) {
                        errors.mutate { $0.append(message) }
                    }
                }
            }
        }
        workers.forEach { $0.join() }
        loaders.forEach { $0.0.join() }
        #expect(errors.current.isEmpty)
        for (thread, outcome) in loaders {
            _ = thread
            #expect(outcome.current == .some(nil))
        }
        for (sourceDevice, destinationDevice) in zip(source, destination) {
            #expect(destinationDevice.digest() == sourceDevice.digest())
            destinationDevice.loadCleanup()
        }
    }
}
