import JSON
import Machine
import QMP

/// A machine's events as QMP events: the name and data QEMU sends.
package enum MachineEventJSON {
    /// The QMP event name and data of `event`; nil for what QEMU announces to no client (a switchover's start and
    /// end).
    package static func qmp(_ event: MachineEvent) -> (name: String, data: JSONObject?)? {
        switch event {
        case .switchover: return nil
        case .stop: return ("STOP", nil)
        case .resume: return ("RESUME", nil)
        case .quit: return ("SHUTDOWN", ["guest": false, "reason": "host-qmp-quit"])
        case .migration(.status(let status)): return ("MIGRATION", ["status": .string(status.name)])
        case .migration(.pass(let pass)): return ("MIGRATION_PASS", ["pass": .integer(pass)])
        case .deviceDeleted(let id, let qomPath):
            return ("DEVICE_DELETED", ["device": .string(id), "path": .string(qomPath)])
        case .vfioMigration(let event):
            return ("VFIO_MIGRATION", [
                "device-id": .string(event.deviceID), "qom-path": .string(event.qomPath),
                "device-state": .string(event.deviceStateName),
            ])
        case .vfioMigrationProgress(let progress, let localStream):
            let done = max(progress.bytesRead, progress.bytesLoaded)
            let total = max(progress.streamSize > 0 ? progress.streamSize : localStream, done)
            return ("VFIO_MIGRATION_PROGRESS", [
                "device-id": .string(progress.deviceID), "phase": .string(progress.phase.rawValue),
                "bytes-done": .integer(done), "bytes-total": .integer(total),
                "mode": .string(progress.mode?.rawValue ?? "none"),
            ])
        }
    }

    /// Emits `event` on `hub`.
    package static func emit(_ event: MachineEvent, on hub: QMPEventHub) {
        guard let (name, data) = qmp(event) else { return }
        hub.emit(name, data: data)
    }
}
