import Foundation
import Migration
import VMigTesting

/// Helpers shared by the engine tests.
enum Harness {
    /// A fresh socket path under /tmp.
    static func socketPath(_ name: String) -> String {
        "/tmp/vmig-test-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    /// Polls `condition` until true or the timeout elapses.
    @discardableResult
    static func wait(timeout: Double = 30, _ condition: () -> Bool) -> Bool {
        Poll.until(timeout: timeout, condition)
    }

    /// Waits until the engine's status is one of `statuses`.
    @discardableResult
    static func waitForStatus(_ engine: MigrationEngine, _ statuses: Set<MigrationStatus>, timeout: Double = 60) -> Bool {
        wait(timeout: timeout) { engine.info().status.map { statuses.contains($0) } ?? false }
    }

    /// Capabilities and parameters applied to both ends.
    static func configure(_ engines: [MigrationEngine], multifd: Bool, channels: UInt8 = 2,
                          extra: [MigrationCapability] = [], bandwidth: UInt64 = 8 << 30) throws {
        for engine in engines {
            try engine.setCapabilities([(.multifd, multifd), (.events, true)] + extra.map { ($0, true) })
            var update = MigrationParameterUpdate()
            update.multifdChannels = channels
            update.maxBandwidth = bandwidth
            try engine.setParameters(update)
        }
    }
}
