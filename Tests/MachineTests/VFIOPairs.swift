import MachineTesting
import Migration
import Testing
import VFIO

extension MachinePair {
    /// The VFIO tests' pair: both ends with `devices` (the destination with `destinationDevices` if given), RAM
    /// `ramSize`, no bandwidth limit and a downtime limit that lets device STOP_COPY data (pending, as in QEMU) go
    /// in the downtime; `parameters` applies after that.
    static func vfio(
        devices: [String], destinationDevices: [String]? = nil, multifd: Bool, channels: UInt8 = 2,
        capabilities: [MigrationCapability] = [], ramSize: Int = 64 << 20,
        parameters: (inout MigrationParameterUpdate) -> Void = { _ in },
        wrapDestination: (@Sendable ([any SaveStateHandler]) -> [any SaveStateHandler])? = nil
    ) throws -> MachinePair {
        try MachinePair(
            size: ramSize, devices: devices, destinationDevices: destinationDevices, wrapDestination: wrapDestination,
            multifd: multifd, channels: channels, bandwidth: 1 << 40, capabilities: capabilities,
            parameters: { update in
                update.downtimeLimit = 2_000_000
                parameters(&update)
            })
    }

    /// Checks a completed migration: statuses, run states, RAM and every device's digest.
    func expectCompleted(_ outcome: Outcome) {
        #expect(outcome.sourceEnded && outcome.destinationEnded)
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
}
