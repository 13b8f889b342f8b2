import Foundation
import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import VMigTesting

/// A VM for engine tests: guest RAM, an optional dirtying workload, and the run state the engine drives.
final class TestHost: MigrationHost {
    let memory: GuestMemory
    let workload: GuestWorkload?
    let handlers: [any SaveStateHandler]
    let vmUUID: [UInt8]
    private let state: NIOLockedValueBox<String>
    private let log = NIOLockedValueBox<[String]>([])
    private let startedPaused: Bool

    init(size: Int = 64 << 20, fill: MemoryFill = .random(seed: 7), dirtyRate: UInt64 = 0, paused: Bool = false,
         handlers: [any SaveStateHandler] = [], uuid: [UInt8] = [UInt8](repeating: 0, count: 16)) throws {
        memory = try GuestMemory(size: size, fill: fill)
        startedPaused = paused
        state = NIOLockedValueBox(paused ? "paused" : "running")
        self.handlers = handlers
        vmUUID = uuid
        if dirtyRate > 0 {
            let workload = GuestWorkload(memory: memory, bytesPerSecond: dirtyRate)
            self.workload = workload
            if !paused {
                try workload.start()
            }
        } else {
            workload = nil
        }
    }

    /// An incoming VM (inmigrate until loaded).
    static func destination(size: Int = 64 << 20, paused: Bool = false,
                            handlers: [any SaveStateHandler] = []) throws -> TestHost {
        let host = try TestHost(size: size, fill: .zero, paused: paused, handlers: handlers)
        host.state.withLockedValue { $0 = "inmigrate" }
        return host
    }

    var saveHandlers: [any SaveStateHandler] { handlers }
    var uuid: [UInt8] { vmUUID }

    var runState: String { state.withLockedValue { $0 } }
    var events: [String] { log.withLockedValue { $0 } }

    func stopForSwitchover() {
        workload?.pause()
        state.withLockedValue { s in
            if s == "running" { log.withLockedValue { $0.append("STOP") } }
            s = "finish-migrate"
        }
    }

    func resumeAfterFailedOutgoing() {
        state.withLockedValue { $0 = startedPaused ? "paused" : "running" }
        if !startedPaused {
            log.withLockedValue { $0.append("RESUME") }
            workload?.resume()
        }
    }

    func outgoingCompleted() {
        state.withLockedValue { $0 = "postmigrate" }
    }

    func incomingCompleted() {
        state.withLockedValue { $0 = startedPaused ? "paused" : "running" }
        if !startedPaused {
            log.withLockedValue { $0.append("RESUME") }
        }
    }

    func stop() {
        workload?.stop()
    }

    deinit {
        workload?.stop()
    }
}

/// Collects engine events.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[MigrationEvent]>([])

    func record(_ event: MigrationEvent) {
        events.withLockedValue { $0.append(event) }
    }

    var all: [MigrationEvent] { events.withLockedValue { $0 } }

    var statuses: [MigrationStatus] {
        all.compactMap { if case .status(let s) = $0 { return s } else { return nil } }
    }

    var passes: [Int] {
        all.compactMap { if case .pass(let p) = $0 { return p } else { return nil } }
    }
}

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
