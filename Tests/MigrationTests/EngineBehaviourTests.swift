import Foundation
import MachineTesting
import Migration
import Testing
import VMigTesting

/// Engine behaviour across two engines: switchover pause, cancel, failures, mismatches, device-state seam.
@Suite(.serialized)
struct EngineBehaviourTests {
    /// Two machines configured alike (`events` on), the destination listening on a fresh unix socket.
    static func pair(
        multifd: Bool = true, channels: UInt8 = 2, bandwidth: UInt64 = 8 << 30, dirtyRate: UInt64 = 0,
        extra: [MigrationCapability] = [], sourceDevices: [any SaveStateHandler] = [],
        destinationDevices: [any SaveStateHandler] = [], listen: Bool = true
    ) throws -> MachinePair {
        try MachinePair(
            dirtyRate: dirtyRate, sourceSections: sourceDevices, destinationSections: destinationDevices,
            multifd: multifd, channels: channels, bandwidth: bandwidth, capabilities: [.events] + extra, listen: listen)
    }

    @Test func pauseBeforeSwitchoverAndContinue() throws {
        let pair = try Self.pair(extra: [.pauseBeforeSwitchover])
        try pair.start()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.preSwitchover]))
        #expect(pair.source.runState == "finish-migrate")
        #expect(throws: MigrationError("Migration not in expected state: pre-switchover")) {
            try pair.sourceEngine.continueMigration(from: .active)
        }
        try pair.sourceEngine.continueMigration(from: .preSwitchover)
        pair.expectCompleted()
        #expect(pair.source.statuses == [.setup, .active, .preSwitchover, .device, .completed])
        #expect(pair.source.events == ["STOP"])
    }

    @Test func cancelInPreSwitchoverRestartsTheVM() throws {
        let pair = try Self.pair(extra: [.pauseBeforeSwitchover])
        try pair.start()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.preSwitchover]))
        pair.sourceEngine.cancel()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.cancelled]))
        #expect(pair.source.runState == "running")
        #expect(pair.source.events == ["STOP", "RESUME"])
        #expect(Harness.waitForStatus(pair.destinationEngine, [.failed]))
        #expect(pair.source.statuses.suffix(2) == [.cancelling, .cancelled])
    }

    @Test func cancelWhileActiveThenANewMigrationCompletes() throws {
        let pair = try Self.pair(bandwidth: 16 << 20, dirtyRate: 4 << 20)
        try pair.start()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.active]))
        usleep(300_000)
        pair.sourceEngine.cancel()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.cancelled]))
        #expect(pair.source.runState == "running")
        #expect(Harness.waitForStatus(pair.destinationEngine, [.failed]))
        #expect(pair.destinationEngine.info().errorDesc != nil)
        // The same destination takes a new migration (vmig re-arms after failure), now at full speed.
        try pair.destinationEngine.migrateIncoming(uri: pair.uri)
        var update = MigrationParameterUpdate()
        update.maxBandwidth = 8 << 30
        try pair.sourceEngine.setParameters(update)
        try pair.start()
        pair.expectCompleted()
        pair.source.stop()
    }

    @Test func secondMigrateAndCapabilityChangeAreRefusedWhileRunning() throws {
        let pair = try Self.pair(bandwidth: 16 << 20)
        try pair.start()
        #expect(throws: MigrationError("There's a migration process in progress")) {
            try pair.sourceEngine.startOutgoing(uri: pair.uri)
        }
        #expect(throws: MigrationError("There's a migration process in progress")) {
            try pair.sourceEngine.setCapabilities([(.events, false)])
        }
        var update = MigrationParameterUpdate()
        update.maxBandwidth = 8 << 30
        try pair.sourceEngine.setParameters(update)
        pair.expectCompleted()
    }

    @Test func unreachableDestinationFailsAsynchronously() throws {
        let host = try TestMachine(size: 1 << 20)
        let engine = host.engine
        let path = Harness.socketPath("nobody")
        try engine.startOutgoing(uri: "unix:\(path)")
        #expect(Harness.waitForStatus(engine, [.failed]))
        #expect(engine.info() == {
            var info = MigrationInfo()
            info.status = .failed
            info.errorDesc = "Failed to connect to '\(path)': No such file or directory"
            return info
        }())
        try engine.startOutgoing(uri: "tcp:127.0.0.1:1")
        #expect(Harness.waitForStatus(engine, [.failed]))
        #expect(engine.info().errorDesc == "Failed to connect to '127.0.0.1:1': Connection refused")
        #expect(host.runState == "running")
    }

    @Test func capabilityMismatchFailsBothEnds() throws {
        let pair = try Self.pair(multifd: true)
        pair.destinationEngine.cancel()
        try pair.destinationEngine.setCapabilities([(.multifd, false)])
        try pair.destinationEngine.migrateIncoming(uri: pair.uri)
        try pair.start()
        let expected = "Migration capability mismatch: 'multifd' is on on the source and off on the destination"
        #expect(Harness.waitForStatus(pair.sourceEngine, [.failed, .completed]))
        #expect(pair.sourceEngine.info().errorDesc == "The destination failed: \(expected)")
        #expect(Harness.waitForStatus(pair.destinationEngine, [.failed]))
        #expect(pair.destinationEngine.info().errorDesc == expected)
    }

    @Test func channelCountMismatchFailsBothEnds() throws {
        let pair = try Self.pair(multifd: true, channels: 4)
        var update = MigrationParameterUpdate()
        update.multifdChannels = 2
        try pair.destinationEngine.setParameters(update)
        try pair.start()
        let expected = "Migration parameter mismatch: 'multifd-channels' is 4 on the source and 2 on the destination"
        #expect(Harness.waitForStatus(pair.sourceEngine, [.failed, .completed]))
        #expect(pair.sourceEngine.info().errorDesc == "The destination failed: \(expected)")
        #expect(Harness.waitForStatus(pair.destinationEngine, [.failed]))
        #expect(pair.destinationEngine.info().errorDesc == expected)
    }

    @Test(arguments: [true, false])
    func deviceStateTravelsThroughTheSeam(multifd: Bool) throws {
        let sourceDevice = FakeDevice()
        let destinationDevice = FakeDevice()
        let pair = try Self.pair(multifd: multifd, channels: 3, extra: [.returnPath, .switchoverAck],
                            sourceDevices: [sourceDevice], destinationDevices: [destinationDevice])
        try pair.start()
        pair.expectCompleted()
        #expect(destinationDevice.matches(sourceDevice))
        let destinationDevice_switchoverStartedValue = destinationDevice.switchoverStarted.load(ordering: .relaxed)
        #expect(destinationDevice_switchoverStartedValue)
        #expect(destinationDevice.sectionsLoaded.withLockedValue { $0.first == .start && $0.last == .end })
    }

    @Test func switchoverWaitsForTheDestinationsAck() throws {
        let pair = try Self.pair(extra: [.returnPath, .switchoverAck], sourceDevices: [FakeDevice(needsAck: true)],
                            destinationDevices: [FakeDevice(needsAck: true)])
        try pair.start()
        pair.expectCompleted()
    }

    @Test func unknownDeviceOnTheDestinationFailsBothEnds() throws {
        let pair = try Self.pair(sourceDevices: [FakeDevice()], destinationDevices: [])
        try pair.start()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.failed, .completed]))
        let desc = pair.sourceEngine.info().errorDesc ?? ""
        #expect(desc.hasPrefix("The destination failed: Unknown savevm section or instance '0000:00:05.0/vfio' 0"))
        #expect(pair.source.runState == "running")
    }

    @Test func sourceInfoWhileActiveHasQEMUsShape() throws {
        let pair = try Self.pair(bandwidth: 32 << 20)
        try pair.start()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.active]))
        usleep(200_000)
        let info = pair.sourceEngine.info()
        #expect(info.status == .active)
        #expect(info.ram != nil && info.totalTime != nil && info.setupTime != nil && info.expectedDowntime != nil)
        #expect(info.downtime == nil)
        #expect((info.ram?.remaining ?? 0) > 0)
        // max-bandwidth 32 MiB/s: after ~0.2 s far less than the 32 MiB of RAM went out.
        #expect((info.ram?.transferred ?? 0) < 24 << 20)
        let destination = pair.destinationEngine.info()
        #expect(destination.status == .active)
        #expect(destination.socketAddress?.count == 1)
        var update = MigrationParameterUpdate()
        update.maxBandwidth = 8 << 30
        try pair.sourceEngine.setParameters(update)
        pair.expectCompleted()
        #expect(pair.destinationEngine.info().socketAddress == nil)
    }
}

/// Convergence over several passes and cancellation right at the start.
@Suite(.serialized)
struct ConvergenceTests {
    @Test func dirtyingGuestNeedsSeveralPassesAndStillMatches() throws {
        // A downtime limit of 0 only fits when nothing at all is dirty, which never happens while the guest dirties:
        // precopy keeps passing until the limit is raised.
        let pair = try EngineBehaviourTests.pair(bandwidth: 64 << 20, dirtyRate: 8 << 20)
        var update = MigrationParameterUpdate()
        update.downtimeLimit = 0
        try pair.sourceEngine.setParameters(update)
        try pair.start()
        #expect(Poll.until(timeout: 60) { pair.source.passes.count >= 4 })
        update.downtimeLimit = 300
        try pair.sourceEngine.setParameters(update)
        pair.expectCompleted()
        let passes = pair.source.passes
        #expect(passes.count >= 3, "passes: \(passes)")
        #expect(passes == Array(1...passes.count))
        let info = pair.sourceEngine.info()
        #expect(info.ram?.dirtySyncCount == UInt64(passes.count))
        #expect((info.ram?.transferred ?? 0) > 32 << 20)
        #expect(pair.source.events == ["STOP"])
        pair.source.stop()
    }

    @Test func cancelRightAfterMigrateEndsCancelled() throws {
        let pair = try EngineBehaviourTests.pair(bandwidth: 16 << 20)
        try pair.start()
        pair.sourceEngine.cancel()
        #expect(Harness.waitForStatus(pair.sourceEngine, [.cancelled]))
        #expect(pair.source.runState == "running")
        pair.sourceEngine.cancel()
        #expect(pair.sourceEngine.info().status == .cancelled)
        #expect(pair.source.statuses.last == .cancelled)
    }

    @Test func cancelAfterCompletionIsANoOp() throws {
        let pair = try EngineBehaviourTests.pair()
        try pair.start()
        pair.expectCompleted()
        pair.sourceEngine.cancel()
        #expect(pair.sourceEngine.info().status == .completed)
        #expect(pair.source.runState == "postmigrate")
    }
}

/// Switchover decisions, run states and event gating.
@Suite(.serialized)
struct SwitchoverTests {
    @Test func availSwitchoverBandwidthSwitchesOverEarly() throws {
        // 16 MiB/s would need 2 s for 32 MiB; claiming 64 GiB/s for the switchover makes everything fit in the
        // 300 ms downtime after the first 100 ms window; the rest goes unthrottled while the VM is stopped.
        let pair = try EngineBehaviourTests.pair(bandwidth: 16 << 20)
        var update = MigrationParameterUpdate()
        update.availSwitchoverBandwidth = 64 << 30
        try pair.sourceEngine.setParameters(update)
        try pair.start()
        pair.expectCompleted()
        let info = pair.sourceEngine.info()
        #expect((info.totalTime ?? .max) < 1500, "total-time \(info.totalTime ?? 0)")
        #expect((info.ram?.downtimeBytes ?? 0) > 8 << 20)
    }

    @Test func destinationStartedPausedStaysPaused() throws {
        let source = try TestMachine(size: 8 << 20)
        let destination = try TestMachine.destination(
            size: 8 << 20, paused: true, incoming: .uri("unix:\(Harness.socketPath("p"))"))
        let sourceEngine = source.engine
        let destinationEngine = destination.engine
        try destinationEngine.listenFromCommandLine()
        #expect(throws: MigrationError("'-incoming' was not specified on the command line")) {
            try destinationEngine.migrateIncoming(uri: "unix:/tmp/other.sock")
        }
        guard case .unix(let path)? = destinationEngine.info().socketAddress?.first else {
            Issue.record("no socket address")
            return
        }
        #expect(destinationEngine.info().status == nil)
        try sourceEngine.startOutgoing(uri: "unix:\(path)")
        #expect(Harness.waitForStatus(destinationEngine, [.completed, .failed]))
        #expect(destination.runState == "paused")
        #expect(destination.events.isEmpty)
        #expect(Harness.waitForStatus(sourceEngine, [.completed]))
        #expect(source.memory.digest() == destination.memory.digest())
    }

    @Test func eventsOnlyWithTheEventsCapability() throws {
        let pair = try EngineBehaviourTests.pair()
        try pair.sourceEngine.setCapabilities([(.events, false)])
        try pair.start()
        pair.expectCompleted()
        #expect(pair.source.migrationEvents.isEmpty)
    }

    @Test func ramSizeMismatchFailsBothEnds() throws {
        let source = try TestMachine(size: 8 << 20)
        let destination = try TestMachine.destination(size: 4 << 20)
        let sourceEngine = source.engine
        let destinationEngine = destination.engine
        let path = Harness.socketPath("size")
        try destinationEngine.migrateIncoming(uri: "unix:\(path)")
        try sourceEngine.startOutgoing(uri: "unix:\(path)")
        let expected = "Size mismatch: pc.ram: 0x800000 != 0x400000: Invalid argument"
        #expect(Harness.waitForStatus(sourceEngine, [.failed, .completed]))
        #expect(sourceEngine.info().errorDesc == "The destination failed: \(expected)")
        #expect(destinationEngine.info().errorDesc == expected)
        #expect(source.runState == "running")
    }
}

extension MachinePair {
    /// Both ends completed and the RAM arrived identical.
    func expectCompleted() {
        let outcome = waitForEnd(timeout: 60)
        #expect(outcome.source.status == .completed, "\(outcome.source.errorDesc ?? "")")
        #expect(outcome.destination.status == .completed, "\(outcome.destination.errorDesc ?? "")")
        #expect(source.memory.digest() == destination.memory.digest())
    }
}
