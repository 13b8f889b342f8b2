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
        let pair = try MachinePair(
            size: size, fill: fill, dirtyRate: dirtyRate, multifd: multifd, channels: channels, capabilities: [.events],
            listen: false)
        let listen = uri("dst")
        try pair.destinationEngine.migrateIncoming(uri: listen)
        var target = listen
        if case .inet(_, let port, _)? = pair.destinationEngine.info().socketAddress?.first, listen.hasPrefix("tcp:") {
            target = String(listen[..<listen.lastIndex(of: ":")!]) + ":\(port)"
        }
        try pair.sourceEngine.startOutgoing(uri: target)
        let outcome = pair.waitForEnd(timeout: 60)
        let info = outcome.source
        #expect(info.status == .completed, "error: \(info.errorDesc ?? "-")")
        #expect(outcome.destination.status == .completed, "dest error: \(outcome.destination.errorDesc ?? "-")")
        #expect(pair.source.runState == "postmigrate")
        #expect(pair.destination.runState == "running")
        #expect(pair.source.memory.digest() == pair.destination.memory.digest())
        #expect(pair.source.statuses == [.setup, .active, .device, .completed])
        #expect(pair.destination.statuses == [.setup, .active, .completed])
        #expect(pair.source.passes.first == 1)
        #expect(info.ram?.total == UInt64(size))
        #expect(info.downtime != nil && info.totalTime != nil)
        if multifd {
            #expect((info.ram?.multifdBytes ?? 0) > 0)
        }
        pair.source.stop()
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
