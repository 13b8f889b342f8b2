import POSIXSupport
import QEMUFormats
import Testing

@testable import VFIO
import VMigTesting

@Suite("Multifd device state transfer")
struct MultiFDTransferTests {
    static let setup = VFIOMigrationSetup(multifd: true)

    static func pair(_ extra: String = "") throws -> DevicePair {
        try DevicePair("vfio-pci,id=gpu0,x-state-size=3145851,x-precopy-size=1M" + extra)
    }

    @Test("save -> load with packets out of order from several threads gives identical state")
    func roundTripOutOfOrder() throws {
        let pair = try Self.pair()
        let sections = try pair.runUntilSwitchover(Self.setup, iterations: 3, dirtyBetween: 200_000)
        #expect(pair.source.deviceState == .stopCopy)
        var packets = try pair.collectPackets()
        #expect(packets.count >= 3)
        #expect(packets.dropLast().allSatisfy { $0.count <= 12 + (1 << 20) })
        let config = VFIODeviceStatePacket(decoding: packets.last!.withUnsafeBytes { $0 })
        #expect(config == VFIODeviceStatePacket(idx: UInt32(packets.count - 1), flags: 1))

        var generator = SeededGenerator(state: 42)
        packets.shuffle(using: &generator)
        try pair.load(sections)
        #expect(pair.destination.switchoverStart())
        let (loader, outcome) = startLoadThread(pair.destination)
        #expect(deliver(packets, to: pair.destination, threads: 4).isEmpty)
        loader.join()
        #expect(outcome.current == .some(nil))

        var end = ByteArrayWriter()
        try pair.source.saveCompletePrecopy(to: &end)
        try pair.source.saveState(to: &end)
        #expect(end.bytes.count == 16)  // dummy END_OF_STATE twice
        try pair.load([Array(end.bytes[0..<8]), Array(end.bytes[8..<16])])
        #expect(pair.destination.digest() == pair.source.digest())
        #expect(pair.destination.config == pair.source.config)
        pair.destination.loadCleanup()
        try pair.destination.setStateOrReset(.running)
        #expect(pair.destinationBackend.transitionLog.suffix(3) == [.stop, .runningP2P, .running])
    }

    @Test("packets queued before the load thread starts, config first")
    func configFirstThenData() throws {
        let pair = try Self.pair()
        let sections = try pair.runUntilSwitchover(Self.setup)
        let packets = try pair.collectPackets()
        try pair.load(sections)
        // Config packet first, then the data packets in reverse, all before switchover start.
        for packet in [packets.last!] + packets.dropLast().reversed() { try load(packet, into: pair.destination) }
        let queued = try #require(pair.destination.loadQueueState)
        #expect(queued.buffers == UInt64(packets.count))
        #expect(pair.destination.switchoverStart())
        try pair.destination.runLoadThread()
        #expect(pair.destination.loadQueueState?.buffers == 0)
        #expect(pair.destination.digest() == pair.source.digest())
        let progress = pair.destination.progressSnapshot
        #expect(progress.phase == .completed)
        #expect(progress.mode == .multifd)
        #expect(progress.bytesQueued == 0)
        #expect(progress.buffersLoaded == UInt64(packets.count - 1))
    }

    @Test("the load thread waits for the config after all data")
    func loaderWaitsForConfig() throws {
        let pair = try Self.pair()
        let sections = try pair.runUntilSwitchover(Self.setup)
        let packets = try pair.collectPackets()
        try pair.load(sections)
        _ = pair.destination.switchoverStart()
        let (loader, outcome) = startLoadThread(pair.destination)
        for packet in packets.dropLast() { try load(packet, into: pair.destination) }
        HostClock.sleep(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 30_000_000)
        #expect(outcome.current == .none)
        try load(packets.last!, into: pair.destination)
        loader.join()
        #expect(outcome.current == .some(nil))
        #expect(pair.destination.digest() == pair.source.digest())
    }

    @Test("x-migration-load-config-after-iter=on waits for CONFIG_LOAD_READY")
    func loadConfigAfterIter() throws {
        let pair = try Self.pair(",x-migration-load-config-after-iter=on")
        let sections = try pair.runUntilSwitchover(Self.setup)
        let packets = try pair.collectPackets()
        try pair.load(sections)
        _ = pair.destination.switchoverStart()
        let (loader, outcome) = startLoadThread(pair.destination)
        #expect(deliver(packets, to: pair.destination, threads: 2).isEmpty)
        HostClock.sleep(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 30_000_000)
        #expect(outcome.current == .none)
        #expect(pair.destination.config != pair.source.config)
        var full = ByteArrayWriter()
        try pair.source.saveState(to: &full)
        #expect(full.bytes == withUnsafeBytes(of: VFIOStreamTag.devConfigLoadReady.rawValue.bigEndian) { Array($0) })
        try pair.load([full.bytes])
        loader.join()
        #expect(outcome.current == .some(nil))
        #expect(pair.destination.digest() == pair.source.digest())
        #expect(vfioErrorMessage { try pair.destination.configLoadReady() } == "gpu0: duplicate DEV_CONFIG_LOAD_READY")
    }

    @Test("CONFIG_LOAD_READY outside multifd or when disabled is refused")
    func configLoadReadyRefused() throws {
        let legacy = try Self.pair()
        try legacy.destination.loadSetup(VFIOMigrationSetup())
        #expect(vfioErrorMessage { try legacy.destination.configLoadReady() }
            == "gpu0: got DEV_CONFIG_LOAD_READY outside multifd transfer")
        let multifd = try Self.pair()
        try multifd.destination.loadSetup(Self.setup)
        #expect(vfioErrorMessage { try multifd.destination.configLoadReady() }
            == "gpu0: got DEV_CONFIG_LOAD_READY but was disabled")
        var reader = ByteArrayReader(deviceState: VFIOMainChannelCodec.configStateBytes(multifd.source.config))
        #expect(vfioErrorMessage { try multifd.destination.loadState(from: &reader) }
            == "gpu0: got DEV_CONFIG_STATE in main migration channel but doing multifd transfer")
    }

    @Test("a backend failing mid-read fails the save thread")
    func readFailure() throws {
        let pair = try Self.pair()
        _ = try pair.runUntilSwitchover(Self.setup, iterations: 0)
        pair.sourceBackend.injectReadFailure(afterBytes: 1 << 20)
        var sent = 0
        let message = vfioErrorMessage {
            try pair.source.saveCompletePrecopyThread(send: { _, _, _ in sent += 1 }, isAborted: { false })
        }
        #expect(message == "gpu0: reading state buffer 1 failed: 5")
        #expect(sent == 1)
    }

    @Test("save thread: abort flag and queuing failures")
    func saveThreadAbortAndQueueFailure() throws {
        let pair = try Self.pair()
        _ = try pair.runUntilSwitchover(Self.setup, iterations: 0)
        var sent = 0
        #expect(vfioErrorMessage {
            try pair.source.saveCompletePrecopyThread(send: { _, _, _ in sent += 1 }, isAborted: { sent >= 2 })
        } == "operation cancelled")
        #expect(sent == 2)

        let other = try Self.pair()
        _ = try other.runUntilSwitchover(Self.setup, iterations: 0)
        struct ChannelDown: Error {}
        #expect(vfioErrorMessage {
            try other.source.saveCompletePrecopyThread(send: { _, _, _ in throw ChannelDown() }, isAborted: { false })
        } == "gpu0: multifd data queuing failed")
    }

    @Test("main-channel mode makes the save thread a no-op")
    func saveThreadNoOpInLegacyMode() throws {
        let pair = try Self.pair(",x-migration-multifd-transfer=off")
        _ = try pair.runUntilSwitchover(Self.setup, iterations: 0)
        try pair.source.saveCompletePrecopyThread(send: { _, _, _ in Issue.record("sent in legacy mode") }, isAborted: { false })
        #expect(pair.source.deviceState == .stopCopy)
    }

    @Test("transferred counts packet headers plus data")
    func transferredCounter() throws {
        let pair = try Self.pair()
        _ = try pair.runUntilSwitchover(Self.setup, iterations: 0)
        pair.source.transferStats.reset()
        let packets = try pair.collectPackets()
        #expect(pair.source.transferStats.transferred == UInt64(packets.reduce(0) { $0 + $1.count }))
        #expect(pair.source.progressSnapshot.bytesSent == UInt64(packets.reduce(0) { $0 + $1.count }))
    }
}
