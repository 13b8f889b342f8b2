#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import POSIXSupport

@testable import VFIO

@Suite("Simulated VFIO backend")
struct SimulatedBackendTests {
    static func backend(
        _ id: String = "gpu0", size: UInt64 = 300_000, precopy: UInt64 = 0, p2p: Bool = true, preCopy: Bool = true,
        readBandwidth: UInt64 = 0, dirtyRate: UInt64 = 0
    ) -> SimulatedVFIOBackend {
        SimulatedVFIOBackend(
            .init(
                deviceID: id, stateSize: size, precopySize: precopy, dirtyRate: dirtyRate, readBandwidth: readBandwidth,
                supportsP2P: p2p, supportsPreCopy: preCopy))
    }

    /// Reads the stream until 0 in chunks of `chunk` bytes.
    static func drain(_ backend: SimulatedVFIOBackend, chunk: Int = 1 << 20) throws -> [UInt8] {
        var stream: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try backend.read(into: $0) }
            if count == 0 { return stream }
            stream += buffer[0..<count]
        }
    }

    /// Writes `stream` in pieces of `piece` bytes.
    static func feed(_ backend: SimulatedVFIOBackend, _ stream: [UInt8], piece: Int) throws {
        var offset = 0
        while offset < stream.count {
            let end = min(offset + piece, stream.count)
            offset += try stream.withUnsafeBytes { try backend.write(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
        }
    }

    @Test("content is deterministic per device id")
    func deterministic() {
        #expect(Self.backend("a").digest() == Self.backend("a").digest())
        #expect(Self.backend("a").digest() != Self.backend("b").digest())
        let dirtied = Self.backend("a")
        dirtied.simulateGuestWrites(bytes: 4096)
        #expect(dirtied.digest() != Self.backend("a").digest())
        let sameWrites = Self.backend("a")
        sameWrites.simulateGuestWrites(bytes: 4096)
        #expect(sameWrites.digest() == dirtied.digest())
    }

    @Test("STOP_COPY stream written in RESUMING reproduces the state", arguments: [1, 1000, 4120, 65536])
    func rawRoundTrip(piece: Int) throws {
        let source = Self.backend(size: 300_001)
        source.simulateGuestWrites(bytes: 40_000)
        #expect(try source.setState(.stopCopy))
        let expectedSize = try source.stopCopySize()
        let stream = try Self.drain(source, chunk: 7777)
        #expect(UInt64(stream.count) == expectedSize)
        #expect(try source.stopCopySize() == 0)

        let destination = Self.backend(size: 300_001)
        #expect(destination.digest() != source.digest())
        #expect(try destination.setState(.resuming))
        try Self.feed(destination, stream, piece: piece)
        #expect(try destination.setState(.stop) == false)
        #expect(destination.digest() == source.digest())
    }

    @Test("precopy delivers the precopy region, dirty pages are resent")
    func precopyAndDirtying() throws {
        let source = Self.backend(size: 64 * 4096, precopy: 16 * 4096)
        #expect(try source.setState(.preCopy))
        let record = UInt64(24 + 4096)
        #expect(try source.precopyInfo() == (16 * record, 0))
        #expect(try source.stopCopySize() == 64 * record)
        var stream = try Self.drain(source, chunk: 5000)
        #expect(stream.count == 16 * Int(record))
        #expect(try source.precopyInfo() == (0, 0))
        source.simulateGuestWrites(bytes: 200 * 4096)  // dirties pages everywhere, several times
        let info = try source.precopyInfo()
        #expect(info.initialBytes == 0 && info.dirtyBytes > 0 && info.dirtyBytes <= 16 * record)
        stream += try Self.drain(source)
        #expect(try source.precopyInfo() == (0, 0))
        #expect(try source.setState(.stopCopy))
        stream += try Self.drain(source)

        let destination = Self.backend(size: 64 * 4096, precopy: 16 * 4096)
        _ = try destination.setState(.resuming)
        try Self.feed(destination, stream, piece: 3333)
        _ = try destination.setState(.stop)
        #expect(destination.digest() == source.digest())
    }

    @Test("corrupt and incomplete streams are refused")
    func corruptStream() throws {
        let source = Self.backend()
        _ = try source.setState(.stopCopy)
        let stream = try Self.drain(source)
        var corrupt = stream
        corrupt[24 + 100] ^= 0xFF
        let destination = Self.backend()
        _ = try destination.setState(.resuming)
        #expect(throws: VFIOBackendError.self) { try Self.feed(destination, corrupt, piece: 1 << 20) }

        let truncated = Self.backend()
        _ = try truncated.setState(.resuming)
        try Self.feed(truncated, Array(stream[0..<5000]), piece: 5000)
        #expect(throws: VFIOBackendError(errno: EINVAL, operation: "set device state STOP: incomplete device state stream")) {
            try truncated.setState(.running)
        }
        #expect(truncated.state == .error)
    }

    @Test("the backend walks the kernel path and refuses blocked transitions")
    func transitions() throws {
        let plain = Self.backend(p2p: false, preCopy: false)
        #expect(try plain.setState(.stopCopy))
        #expect(plain.transitionLog == [.stop, .stopCopy])
        #expect(throws: VFIOBackendError.self) { try plain.setState(.preCopy) }
        #expect(plain.state == .stopCopy)

        let p2p = Self.backend()
        _ = try p2p.setState(.stopCopy)
        #expect(p2p.transitionLog == [.runningP2P, .stop, .stopCopy])
        #expect(throws: VFIOBackendError.self) { try p2p.setState(.preCopyP2P) }
        #expect(try p2p.setState(.running) == false)
        #expect(p2p.transitionLog.suffix(3) == [.stop, .runningP2P, .running])
    }

    @Test("ERROR is terminal until reset")
    func errorIsTerminal() throws {
        let device = Self.backend()
        device.injectTransitionFailure(into: .stop)
        #expect(throws: VFIOBackendError.self) { try device.setState(.stopCopy) }
        #expect(device.state == .error)
        for target in VFIODeviceState.allCases {
            #expect(throws: VFIOBackendError.self) { try device.setState(target) }
        }
        device.reset()
        #expect(device.state == .running)
        #expect(try device.setState(.stopCopy))
    }

    @Test("read and write faults fire after the given byte count")
    func faults() throws {
        let source = Self.backend()
        _ = try source.setState(.stopCopy)
        source.injectReadFailure(afterBytes: 10_000)
        var buffer = [UInt8](repeating: 0, count: 8192)
        #expect(try buffer.withUnsafeMutableBytes { try source.read(into: $0) } == 8192)
        #expect(try buffer.withUnsafeMutableBytes { try source.read(into: $0) } == 10_000 - 8192)
        #expect(throws: VFIOBackendError(errno: EIO, operation: "read")) {
            try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        }
        #expect(try buffer.withUnsafeMutableBytes { try source.read(into: $0) } == 8192)

        let destination = Self.backend()
        _ = try destination.setState(.resuming)
        destination.injectWriteFailure(afterBytes: 0, errno: ENOSPC)
        #expect(throws: VFIOBackendError(errno: ENOSPC, operation: "write")) {
            try buffer.withUnsafeBytes { try destination.write($0) }
        }
    }

    @Test("reads are throttled to the read bandwidth")
    func throttle() throws {
        let source = Self.backend(size: 2 << 20, readBandwidth: 8 << 20)
        _ = try source.setState(.stopCopy)
        let start = HostClock.monotonicNanoseconds()
        let stream = try Self.drain(source, chunk: 256 << 10)
        let seconds = Double(HostClock.monotonicNanoseconds() - start) / 1e9
        let expected = Double(stream.count) / Double(8 << 20)  // ≈ 0.25 s
        #expect(seconds >= expected * 0.9)
        #expect(seconds < expected * 3 + 0.2)
    }

    @Test("a running device dirties itself over time, a stopped one does not")
    func timeBasedDirtying() throws {
        let device = Self.backend(size: 1 << 20, dirtyRate: 64 << 20)
        let initial = device.digest()
        HostClock.sleep(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 20_000_000)
        let running = device.digest()
        #expect(running != initial)
        _ = try device.setState(.stop)
        let stopped = device.digest()
        HostClock.sleep(untilMonotonicNanoseconds: HostClock.monotonicNanoseconds() + 20_000_000)
        #expect(device.digest() == stopped)
    }
}
