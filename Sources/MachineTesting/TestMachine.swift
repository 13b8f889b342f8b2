import Machine
import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import VFIO

/// A real ``Machine`` built in-process for a test, with everything it announces recorded.
package final class TestMachine: Sendable {
    /// The machine.
    package let machine: Machine
    private let log = EventLog()

    /// A machine of `size` bytes of RAM, started `paused` or running (`inmigrate` when `incoming` is not
    /// `.none`), with `devices` plugged; `sections` are added after the machine's own sections.
    package init(
        size: Int = 64 << 20, fill: MemoryFill = .random(seed: 7), dirtyRate: UInt64 = 0, paused: Bool = false,
        incoming: IncomingMode = .none, devices: [String] = [], sections: [any SaveStateHandler] = [],
        uuid: [UInt8] = [UInt8](repeating: 0, count: 16)
    ) throws {
        var options = MachineOptions(memoryBytes: size, memoryFill: fill)
        options.dirtyRate = dirtyRate
        options.paused = paused
        options.incoming = incoming
        options.devices = devices
        options.uuid = uuid
        let log = self.log
        machine = try Machine(options, events: log.record)
        if !sections.isEmpty { machine.host.wrapSectionHandlers { $0 + sections } }
    }

    /// A test's machine ends as vmigd's does: whatever migration it still has is cancelled and its threads are
    /// joined, so none outlives the test (ThreadSanitizer reported the finished, never-joined threads of
    /// destinations still listening when the test process exited).
    deinit {
        machine.stop()
    }

    /// A machine waiting for an incoming migration (`--incoming defer` unless told otherwise), RAM zeroed.
    package static func destination(
        size: Int = 64 << 20, paused: Bool = false, incoming: IncomingMode = .deferred, devices: [String] = [],
        sections: [any SaveStateHandler] = []
    ) throws -> TestMachine {
        try TestMachine(size: size, fill: .zero, paused: paused, incoming: incoming, devices: devices, sections: sections)
    }

    /// The machine's migration engine.
    package var engine: MigrationEngine { machine.engine }
    /// Guest RAM.
    package var memory: GuestMemory { machine.host.memory }
    /// The run state's QAPI name (`running`, `finish-migrate`, …).
    package var runState: String { machine.vm.runState.rawValue }

    /// Everything the machine announced, in order.
    package var announced: [MachineEvent] { log.all }

    /// The run-state events announced: `STOP` and `RESUME`, in order.
    package var events: [String] {
        announced.compactMap { event in
            switch event {
            case .stop: "STOP"
            case .resume: "RESUME"
            default: nil
            }
        }
    }

    /// The migration engine's events announced, in order.
    package var migrationEvents: [MigrationEvent] {
        announced.compactMap { if case .migration(let event) = $0 { event } else { nil } }
    }

    /// The migration statuses announced, in order.
    package var statuses: [MigrationStatus] {
        migrationEvents.compactMap { if case .status(let status) = $0 { status } else { nil } }
    }

    /// The RAM passes announced, in order.
    package var passes: [Int] {
        migrationEvents.compactMap { if case .pass(let pass) = $0 { pass } else { nil } }
    }

    /// Every device's digest by device id.
    package var deviceDigests: [String: UInt64] {
        Dictionary(uniqueKeysWithValues: machine.devices.devices.map { ($0.id, $0.digest() ?? 0) })
    }

    /// Every device's state by device id.
    package var deviceStates: [String: VFIODeviceState] {
        Dictionary(uniqueKeysWithValues: machine.devices.devices.map { ($0.id, $0.deviceState) })
    }

    /// The simulated backend of device `id` (the test stops if there is none).
    package func backend(_ id: String) -> SimulatedVFIOBackend {
        guard let backend = machine.devices.device(id: id)?.backend as? SimulatedVFIOBackend else {
            preconditionFailure("no simulated device '\(id)'")
        }
        return backend
    }

    /// Stops the engine and the workload thread.
    package func stop() {
        machine.stop()
    }
}

/// Everything a machine announced, in order.
private final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[MachineEvent]>([])

    @Sendable func record(_ event: MachineEvent) {
        events.withLockedValue { $0.append(event) }
    }

    var all: [MachineEvent] { events.withLockedValue { $0 } }
}
