import Glibc
import Machine
import Migration
import VMigTesting

/// A source and a destination ``TestMachine`` in one process, configured alike, the destination listening on a
/// fresh Unix socket: the in-process counterpart of two spawned `vmigd`s.
package struct MachinePair: Sendable {
    /// What one migration ended with.
    package struct Outcome: Sendable {
        /// The source's final `query-migrate`.
        package var source: MigrationInfo
        /// The destination's.
        package var destination: MigrationInfo
        /// Seconds from the start of the wait to the source's final status.
        package var seconds: Double
        /// Whether each end reached a final status within the timeout.
        package var sourceEnded: Bool
        package var destinationEnded: Bool
    }

    /// The source machine.
    package let source: TestMachine
    /// The destination machine (`--incoming defer`).
    package let destination: TestMachine
    /// Where the destination listens (with `listen`).
    package let uri: String

    /// The source's RAM starts as `fill`, the destination's zeroed. Both ends get `capabilities` (plus `multifd` as asked), `channels`, `bandwidth` and then whatever
    /// `parameters` sets; `destinationDevices` defaults to `devices`. `wrapDestination` may replace the handlers
    /// the destination's engine sees (a slow consumer, say).
    package init(
        size: Int = 32 << 20, fill: MemoryFill = .random(seed: 7), dirtyRate: UInt64 = 0, devices: [String] = [], destinationDevices: [String]? = nil,
        sourceSections: [any SaveStateHandler] = [], destinationSections: [any SaveStateHandler] = [],
        wrapDestination: (@Sendable ([any SaveStateHandler]) -> [any SaveStateHandler])? = nil,
        multifd: Bool = true, channels: UInt8 = 2, bandwidth: UInt64 = 8 << 30, capabilities: [MigrationCapability] = [],
        parameters: (inout MigrationParameterUpdate) -> Void = { _ in }, listen: Bool = true
    ) throws {
        source = try TestMachine(size: size, fill: fill, dirtyRate: dirtyRate, devices: devices, sections: sourceSections)
        destination = try TestMachine.destination(
            size: size, devices: destinationDevices ?? devices, sections: destinationSections)
        if let wrapDestination { destination.machine.host.wrapSectionHandlers(wrapDestination) }
        for engine in [source.engine, destination.engine] {
            try engine.setCapabilities([(.multifd, multifd)] + capabilities.map { ($0, true) })
            var update = MigrationParameterUpdate()
            update.multifdChannels = channels
            update.maxBandwidth = bandwidth
            parameters(&update)
            try engine.setParameters(update)
        }
        uri = "unix:/tmp/vmig-pair-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        if listen { try destination.engine.migrateIncoming(uri: uri) }
    }

    /// The source's engine.
    package var sourceEngine: MigrationEngine { source.engine }
    /// The destination's engine.
    package var destinationEngine: MigrationEngine { destination.engine }

    /// Starts the migration.
    package func start() throws {
        try sourceEngine.startOutgoing(uri: uri)
    }

    /// Waits until both ends reached a final status (or `timeout` seconds passed for each).
    package func waitForEnd(timeout: Double = 30) -> Outcome {
        let started = ContinuousClock.now
        let sourceEnded = Self.wait(sourceEngine, [.completed, .failed, .cancelled], timeout: timeout)
        let elapsed = ContinuousClock.now - started
        let destinationEnded = Self.wait(destinationEngine, [.completed, .failed], timeout: timeout)
        sourceEngine.waitForOutgoing()
        return Outcome(
            source: sourceEngine.info(), destination: destinationEngine.info(),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            sourceEnded: sourceEnded, destinationEnded: destinationEnded)
    }

    /// Starts the migration and waits for its end.
    package func run(timeout: Double = 30) throws -> Outcome {
        try start()
        return waitForEnd(timeout: timeout)
    }

    /// Waits until `engine`'s status is one of `statuses`; false after `timeout` seconds.
    @discardableResult
    package static func wait(_ engine: MigrationEngine, _ statuses: Set<MigrationStatus>, timeout: Double = 60) -> Bool {
        Poll.until(timeout: timeout) { engine.info().status.map { statuses.contains($0) } ?? false }
    }
}
