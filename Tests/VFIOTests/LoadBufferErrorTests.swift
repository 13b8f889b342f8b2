#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXSupport
import QEMUFormats
import Testing

@testable import VFIO

@Suite("Destination load_state_buffer checks and load thread")
struct LoadBufferErrorTests {
    static func destination(_ extra: String = "", multifd: Bool = true) throws -> VFIODevice {
        let device = try makeDevice("vfio-pci,id=gpu0,x-state-size=64K" + extra)
        try device.loadSetup(VFIOMigrationSetup(multifd: multifd))
        return device
    }

    @Test("got device state packet but not doing multifd transfer")
    func notMultiFD() throws {
        let device = try Self.destination(multifd: false)
        #expect(vfioErrorMessage { try load(packet(idx: 0, data: [1]), into: device) }
            == "gpu0: got device state packet but not doing multifd transfer")
    }

    /// Without limit properties the byte limit is the 64 KiB state + 4 MiB: four 1 MiB buffers fit.
    @Test("load setup maps receive buffers before the downtime, within the queue limits",
          arguments: [("", 4), (",x-migration-max-queued-buffers=2", 2), (",x-migration-max-queued-buffers-size=3M", 2),
                      (",x-migration-max-queued-buffers-size=1M", 0)])
    func preparedBuffers(extra: String, expected: Int) throws {
        let device = try Self.destination(extra)
        let loader = try #require(device.session.withLockedValue { $0.loader })
        #expect(loader.spareBufferCount == expected)
        #expect(try Self.destination(extra, multifd: false).session.withLockedValue { $0.loader } == nil)
    }

    @Test("queue limits left at their defaults derive from the state size; explicit ones are kept")
    func defaultQueueLimits() throws {
        let device = try Self.destination()
        let state = try device.backend.stopCopySize()
        #expect(state >= 64 << 10)
        let derived = device.queueLimits(VFIOProperties())
        #expect(derived.bytes == state + (4 << 20))
        #expect(derived.buffers == derived.bytes / 4096 + 64)
        var explicit = VFIOProperties()
        explicit.maxQueuedBuffers = 7
        explicit.maxQueuedBuffersSize = 9 << 20
        #expect(device.queueLimits(explicit) == (7, 9 << 20))
    }

    @Test("header checks, in order")
    func headerChecks() throws {
        let device = try Self.destination()
        #expect(vfioErrorMessage { try load([0, 0, 0, 0, 0], into: device) } == "gpu0: packet too short at 5 (min is 12)")
        #expect(vfioErrorMessage { try load(packet(idx: 0, version: 1, data: []), into: device) }
            == "gpu0: packet has unknown version 1")
        #expect(vfioErrorMessage { try load(packet(idx: .max, version: 7, data: []), into: device) }
            == "gpu0: packet has unknown version 7")
        #expect(vfioErrorMessage { try load(packet(idx: .max, data: []), into: device) } == "gpu0: packet index is invalid")
    }

    @Test("duplicate idx, before and after it was consumed")
    func duplicates() throws {
        let device = try Self.destination()
        try load(packet(idx: 3, data: [1, 2, 3]), into: device)
        #expect(vfioErrorMessage { try load(packet(idx: 3, data: [9]), into: device) } == "gpu0: state buffer 3 already filled")

        // Let the loader consume idx 0 (a record header with a bad magic, so the device refuses
        // it) and check that idx 0 still counts as filled.
        try load(packet(idx: 0, data: [UInt8](repeating: 0xAA, count: 24)), into: device)
        _ = device.switchoverStart()
        #expect(vfioErrorMessage { try device.runLoadThread() } == "gpu0: writing state buffer 0 failed: \(EINVAL)")
        #expect(vfioErrorMessage { try load(packet(idx: 0, data: [1]), into: device) } == "gpu0: state buffer 0 already filled")
    }

    @Test("count limit x-migration-max-queued-buffers")
    func countLimit() throws {
        let device = try Self.destination(",x-migration-max-queued-buffers=2")
        try load(packet(idx: 1, data: [1]), into: device)
        try load(packet(idx: 2, data: [2]), into: device)
        #expect(vfioErrorMessage { try load(packet(idx: 0, data: [0]), into: device) }
            == "gpu0: queuing state buffer 0 would exceed the max of 2")
    }

    @Test("size limit x-migration-max-queued-buffers-size")
    func sizeLimit() throws {
        let device = try Self.destination(",x-migration-max-queued-buffers-size=100")
        try load(packet(idx: 0, data: [UInt8](repeating: 1, count: 60)), into: device)
        #expect(vfioErrorMessage { try load(packet(idx: 1, data: [UInt8](repeating: 2, count: 60)), into: device) }
            == "gpu0: queuing state buffer 1 would exceed the size max of 100")
        // As in QEMU the failed packet's size stays counted: even a small one is refused now.
        #expect(vfioErrorMessage { try load(packet(idx: 2, data: [3]), into: device) }
            == "gpu0: queuing state buffer 2 would exceed the size max of 100")
    }

    @Test("cleanup wakes and joins a waiting loader")
    func cleanupWhileWaiting() throws {
        let device = try Self.destination()
        #expect(device.switchoverStart())
        let (loader, outcome) = startLoadThread(device)
        HostClock.sleep(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 30_000_000)
        #expect(outcome.current == .none)
        let start = HostClock.monotonicNanoseconds()
        device.loadCleanup()
        #expect(HostClock.monotonicNanoseconds() - start < 1_000_000_000)
        loader.join()
        #expect(outcome.current == .some("operation cancelled"))
        #expect(device.progressSnapshot.phase == .failed)
    }

    @Test("the engine's cancellation wakes and stops a waiting loader")
    func abortFlag() throws {
        let device = try Self.destination()
        _ = device.switchoverStart()
        let abort = Cancellation()
        let (loader, outcome) = startLoadThread(device, cancellation: abort)
        HostClock.sleep(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 20_000_000)
        abort.cancel()
        loader.join()
        #expect(outcome.current == .some("operation cancelled"))
        device.loadCleanup()
    }

    @Test("the config packet must start with DEV_CONFIG_STATE")
    func badConfigPacket() throws {
        let device = try Self.destination()
        try load(packet(idx: 0, flags: 1, data: [0, 0, 0, 0, 0, 0, 0x12, 0x34]), into: device)
        _ = device.switchoverStart()
        #expect(vfioErrorMessage { try device.runLoadThread() } == "gpu0: expected FLAG_DEV_CONFIG_STATE but got 1234")

        let other = try Self.destination()
        var data = ByteArrayWriter()
        data.write(tag: .devConfigState)
        data.writeBE32(0xBAD)
        try load(packet(idx: 0, flags: 1, data: data.bytes), into: other)
        _ = other.switchoverStart()
        #expect(vfioErrorMessage { try other.runLoadThread() } == "gpu0: vfio_load_device_config_state() failed: -22")
    }

    @Test("a device write failure fails the load thread")
    func writeFailure() throws {
        let pair = try DevicePair("vfio-pci,id=gpu0,x-state-size=2M")
        let setup = VFIOMigrationSetup(multifd: true)
        let sections = try pair.runUntilSwitchover(setup, iterations: 0)
        let packets = try pair.collectPackets()
        try pair.load(sections)
        pair.destinationBackend.injectWriteFailure(afterBytes: 1 << 20)
        for packet in packets { try load(packet, into: pair.destination) }
        _ = pair.destination.switchoverStart()
        #expect(vfioErrorMessage { try pair.destination.runLoadThread() } == "gpu0: writing state buffer 1 failed: \(EIO)")
    }

    @Test("loading is throttled by the destination's write bandwidth")
    func writeThrottle() throws {
        let pair = try DevicePair(
            "vfio-pci,id=gpu0,x-state-size=2M", destinationCommandLine: "vfio-pci,id=gpu0,x-state-size=2M,x-write-bandwidth=8M")
        let sections = try pair.runUntilSwitchover(VFIOMigrationSetup(multifd: true), iterations: 0)
        let packets = try pair.collectPackets()
        try pair.load(sections)
        for packet in packets { try load(packet, into: pair.destination) }
        _ = pair.destination.switchoverStart()
        let start = HostClock.monotonicNanoseconds()
        try pair.destination.runLoadThread()
        let seconds = Double(HostClock.monotonicNanoseconds() - start) / 1e9
        #expect(seconds >= 0.2)  // ≈ 2 MiB at 8 MiB/s
        #expect(seconds < 1.5)
        #expect(pair.destination.digest() == pair.source.digest())
    }
}
