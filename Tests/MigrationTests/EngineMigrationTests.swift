import Foundation
import MachineTesting
import Migration
import Testing

/// Engine-to-engine migrations inside one process over real sockets.
@Suite(.serialized)
struct EngineMigrationTests {
    /// Runs one migration and checks completion, states, events and digests.
    private func migrate(multifd: Bool, channels: UInt8 = 2, uri: (String) -> String, size: Int = 64 << 20,
                         fill: MemoryFill = .random(seed: 3), dirtyRate: UInt64 = 0) throws {
        let source = try TestMachine(size: size, fill: fill, dirtyRate: dirtyRate)
        let destination = try TestMachine.destination(size: size)
        let sourceEngine = source.engine
        let destinationEngine = destination.engine
        let sourceEvents = EventLog()
        let destinationEvents = EventLog()
        sourceEngine.setEventHandler { sourceEvents.record($0) }
        destinationEngine.setEventHandler { destinationEvents.record($0) }
        try Harness.configure([sourceEngine, destinationEngine], multifd: multifd, channels: channels)
        let listen = uri("dst")
        try destinationEngine.migrateIncoming(uri: listen)
        var target = listen
        if case .inet(_, let port, _)? = destinationEngine.info().socketAddress?.first, listen.hasPrefix("tcp:") {
            target = String(listen[..<listen.lastIndex(of: ":")!]) + ":\(port)"
        }
        try sourceEngine.startOutgoing(uri: target)
        #expect(Harness.waitForStatus(sourceEngine, [.completed, .failed, .cancelled]))
        let info = sourceEngine.info()
        #expect(info.status == .completed, "error: \(info.errorDesc ?? "-")")
        #expect(Harness.waitForStatus(destinationEngine, [.completed, .failed]))
        #expect(destinationEngine.info().status == .completed, "dest error: \(destinationEngine.info().errorDesc ?? "-")")
        #expect(source.runState == "postmigrate")
        #expect(destination.runState == "running")
        #expect(source.memory.digest() == destination.memory.digest())
        #expect(sourceEvents.statuses == [.setup, .active, .device, .completed])
        #expect(destinationEvents.statuses == [.setup, .active, .completed])
        #expect(sourceEvents.passes.first == 1)
        #expect(info.ram?.total == UInt64(size))
        #expect(info.downtime != nil && info.totalTime != nil)
        if multifd {
            #expect((info.ram?.multifdBytes ?? 0) > 0)
        }
        source.stop()
    }

    @Test func plainOverUnix() throws {
        try migrate(multifd: false, uri: { "unix:\(Harness.socketPath($0))" })
    }

    @Test(arguments: [1, 2, 8] as [UInt8])
    func multifdOverUnix(channels: UInt8) throws {
        try migrate(multifd: true, channels: channels, uri: { "unix:\(Harness.socketPath($0))" })
    }

    @Test func multifdOverTCPv4() throws {
        try migrate(multifd: true, channels: 4, uri: { _ in "tcp:127.0.0.1:0" })
    }

    @Test func plainOverTCPv6() throws {
        try migrate(multifd: false, uri: { _ in "tcp:[::1]:0" })
    }

    @Test func zeroAndPatternMemory() throws {
        try migrate(multifd: true, uri: { "unix:\(Harness.socketPath($0))" }, fill: .pattern)
        try migrate(multifd: false, uri: { "unix:\(Harness.socketPath($0))" }, fill: .pattern)
    }

    @Test(arguments: [(true, ZeroPageDetection.legacy), (true, .none), (false, .none), (false, .legacy)])
    func zeroPageDetectionModes(multifd: Bool, detection: ZeroPageDetection) throws {
        let source = try TestMachine(size: 16 << 20, fill: .pattern)
        let destination = try TestMachine.destination(size: 16 << 20)
        let sourceEngine = source.engine
        let destinationEngine = destination.engine
        try Harness.configure([sourceEngine, destinationEngine], multifd: multifd)
        var update = MigrationParameterUpdate()
        update.zeroPageDetection = detection
        try sourceEngine.setParameters(update)
        let path = Harness.socketPath("zp")
        try destinationEngine.migrateIncoming(uri: "unix:\(path)")
        try sourceEngine.startOutgoing(uri: "unix:\(path)")
        #expect(Harness.waitForStatus(sourceEngine, [.completed, .failed]))
        #expect(Harness.waitForStatus(destinationEngine, [.completed, .failed]))
        let ram = sourceEngine.info().ram
        #expect(ram?.duplicate == (detection == .none ? 0 : 1024), "\(String(describing: ram))")
        #expect(ram?.normal == (detection == .none ? 4096 : 3072))
        #expect(source.memory.digest() == destination.memory.digest())
    }

    @Test func dirtyingWorkloadConverges() throws {
        try migrate(multifd: true, uri: { "unix:\(Harness.socketPath($0))" }, dirtyRate: 32 << 20)
        try migrate(multifd: false, uri: { "unix:\(Harness.socketPath($0))" }, dirtyRate: 32 << 20)
    }
}
