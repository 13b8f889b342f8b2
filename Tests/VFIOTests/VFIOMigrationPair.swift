import Foundation
import Migration
import Testing
import VMigTesting

@testable import VFIO

/// Two engines in one process, a source and a destination VM with VFIO devices, over a real unix socket.
struct VFIOMigrationPair {
    /// What one migration ended with.
    struct Outcome {
        var source: MigrationInfo
        var destination: MigrationInfo
        /// Seconds from `migrate` to the source's final status.
        var seconds: Double
    }

    let source: VFIOTestHost
    let destination: VFIOTestHost
    let sourceEngine: MigrationEngine
    let destinationEngine: MigrationEngine
    let uri: String

    /// Both ends get the same capabilities and parameters; `destinationDevices` defaults to `devices`.
    init(devices: [String], destinationDevices: [String]? = nil, multifd: Bool, channels: UInt8 = 2,
         capabilities: [MigrationCapability] = [], ramSize: Int = 64 << 20,
         parameters: (inout MigrationParameterUpdate) -> Void = { _ in },
         wrapDestination: (([VFIOSaveStateHandler]) -> [any SaveStateHandler])? = nil) throws {
        source = try VFIOTestHost(ramSize: ramSize, fill: .random(seed: 11), devices: devices, incoming: false)
        destination = try VFIOTestHost(ramSize: ramSize, fill: .zero, devices: destinationDevices ?? devices,
                                       incoming: true, wrap: wrapDestination)
        sourceEngine = MigrationEngine(host: source)
        destinationEngine = MigrationEngine(host: destination, incoming: .deferred)
        for engine in [sourceEngine, destinationEngine] {
            try engine.setCapabilities([(.multifd, multifd)] + capabilities.map { ($0, true) })
            var update = MigrationParameterUpdate()
            update.multifdChannels = channels
            update.maxBandwidth = 1 << 40
            // Device STOP_COPY data counts as pending (QEMU's rule): allow it to go in the downtime.
            update.downtimeLimit = 2_000_000
            parameters(&update)
            try engine.setParameters(update)
        }
        uri = "unix:/tmp/vmig-vfio-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        try destinationEngine.migrateIncoming(uri: uri)
    }

    /// Starts the migration.
    func start() throws {
        try sourceEngine.startOutgoing(uri: uri)
    }

    /// Waits until both ends reached a final status.
    func waitForEnd(timeout: Double = 30) -> Outcome {
        let started = Date()
        let sourceDone = Self.wait(timeout: timeout) {
            [.completed, .failed, .cancelled].contains(sourceEngine.info().status ?? .none)
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(sourceDone, "source still \(sourceEngine.info().status?.name ?? "-")")
        let destinationDone = Self.wait(timeout: timeout) {
            [.completed, .failed].contains(destinationEngine.info().status ?? .none)
        }
        #expect(destinationDone, "destination still \(destinationEngine.info().status?.name ?? "-")")
        sourceEngine.waitForOutgoing()
        return Outcome(source: sourceEngine.info(), destination: destinationEngine.info(), seconds: seconds)
    }

    /// Starts the migration and waits for its end.
    func run(timeout: Double = 30) throws -> Outcome {
        try start()
        return waitForEnd(timeout: timeout)
    }

    /// Checks a completed migration: statuses, run states, RAM and every device's digest.
    func expectCompleted(_ outcome: Outcome) {
        #expect(outcome.source.status == .completed, "source: \(outcome.source.errorDesc ?? "-")")
        #expect(outcome.destination.status == .completed, "destination: \(outcome.destination.errorDesc ?? "-")")
        #expect(source.runState == "postmigrate")
        #expect(destination.runState == "running")
        #expect(source.memory.digest() == destination.memory.digest())
        #expect(source.deviceDigests == destination.deviceDigests)
        #expect(!source.deviceDigests.values.contains(0))
        #expect(destination.deviceStates.values.allSatisfy { $0 == .running })
    }

    /// Checks a failed or cancelled source: the VM and every device run again with their state untouched.
    func expectSourceIntact(digests: [String: UInt64]) {
        #expect(source.runState == "running")
        #expect(source.deviceStates.values.allSatisfy { $0 == .running }, "\(source.deviceStates)")
        #expect(source.deviceDigests == digests)
    }

    /// Polls `condition` every 2 ms until it holds or `timeout` seconds passed.
    static func wait(timeout: Double, _ condition: () -> Bool) -> Bool {
        Poll.until(timeout: timeout, condition)
    }
}
