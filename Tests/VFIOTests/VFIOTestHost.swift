import Foundation
import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox

@testable import VFIO

/// A VM for engine-to-engine VFIO tests: guest RAM, a registry of simulated VFIO devices, and the run state the
/// engine drives. Run-state changes reach the devices the way the daemon does it (`registry.vmStateChange`).
final class VFIOTestHost: MigrationHost {
    let memory: GuestMemory
    let registry: VFIODeviceRegistry
    private let handlerOverride: [any SaveStateHandler]?
    private let state: NIOLockedValueBox<String>

    /// A VM with `devices` (`-device` option strings); `wrap` may replace the handlers the engine sees.
    init(ramSize: Int = 64 << 20, fill: MemoryFill, devices: [String], incoming: Bool,
         wrap: (([VFIOSaveStateHandler]) -> [any SaveStateHandler])? = nil) throws {
        memory = try GuestMemory(size: ramSize, fill: fill)
        registry = VFIODeviceRegistry()
        for device in devices {
            try registry.add(commandLine: device)
        }
        handlerOverride = wrap?(registry.saveStateHandlers)
        state = NIOLockedValueBox(incoming ? "inmigrate" : "running")
    }

    var saveHandlers: [any SaveStateHandler] { handlerOverride ?? registry.saveStateHandlers }

    var runState: String { state.withLockedValue { $0 } }

    func stopForSwitchover() {
        registry.vmStateChange(running: false, finishMigrate: true)
        state.withLockedValue { $0 = "finish-migrate" }
    }

    func resumeAfterFailedOutgoing() {
        registry.vmStateChange(running: true)
        state.withLockedValue { $0 = "running" }
    }

    func outgoingCompleted() {
        state.withLockedValue { $0 = "postmigrate" }
    }

    func incomingCompleted() {
        registry.vmStateChange(running: true)
        state.withLockedValue { $0 = "running" }
    }

    /// Every device's digest by device id.
    var deviceDigests: [String: UInt64] {
        Dictionary(uniqueKeysWithValues: registry.devices.map { ($0.id, $0.digest() ?? 0) })
    }

    /// Every device's state by device id.
    var deviceStates: [String: VFIODeviceState] {
        Dictionary(uniqueKeysWithValues: registry.devices.map { ($0.id, $0.deviceState) })
    }

    /// The simulated backend of device `id`.
    func backend(_ id: String) -> SimulatedVFIOBackend {
        registry.device(id: id)!.backend as! SimulatedVFIOBackend
    }
}
