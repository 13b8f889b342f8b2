import JSON
import Machine
import Migration
import QMP
import VFIO

/// `device_add`, `device_del`, `qom-list`, `qom-get`, `qom-set` and `x-query-vfio-migration` over the
/// machine's VFIO devices.
package struct DeviceCommands: Sendable {
    /// The machine whose devices the commands plug, unplug and inspect.
    package let machine: Machine

    /// Commands over `machine`'s devices; plugging is refused while it migrates.
    package init(machine: Machine) {
        self.machine = machine
    }

    static let peripheral = "/machine/peripheral"

    /// The command handlers.
    package var commands: [QMPCommand] {
        let this = self
        return [
            QMPCommand("device_add") { arguments in try this.add(arguments) },
            QMPCommand("device_del") { arguments in try this.delete(arguments["id"]?.stringValue ?? "") },
            QMPCommand("qom-list") { arguments in try this.list(arguments["path"]?.stringValue ?? "") },
            QMPCommand("qom-get") { arguments in
                let device = try this.device(at: arguments["path"]?.stringValue ?? "")
                return Self.json(try Self.vfio { try device.qomGet(arguments["property"]?.stringValue ?? "") })
            },
            QMPCommand("qom-set") { arguments in
                let device = try this.device(at: arguments["path"]?.stringValue ?? "")
                let value = try Self.propertyValue(arguments["value"] ?? .null)
                try Self.vfio { try device.qomSet(arguments["property"]?.stringValue ?? "", to: value) }
                return .emptyObject
            },
            QMPCommand("x-query-vfio-migration") { _ in
                let prediction = this.machine.isMigrating ? this.machine.engine.switchoverPrediction : nil
                return .array(this.machine.devices.devices.map { Self.migrationInfo($0, prediction: prediction) })
            },
        ]
    }

    private func add(_ arguments: JSONObject) throws -> JSONValue {
        guard !machine.isMigrating else { throw QMPError.generic("device_add not allowed while migrating") }
        let options = arguments.filter { $0.key != "bus" }.map { (key: $0.key, value: Self.optionText($0.value)) }
        _ = try Self.vfio { try machine.plug(VFIODeviceSpec(options: options)) }
        return .emptyObject
    }

    private func delete(_ id: String) throws -> JSONValue {
        guard let device = machine.devices.device(qomPath: id) else {
            throw QMPError(.deviceNotFound, "Device '\(id)' not found")
        }
        guard !machine.isMigrating else { throw QMPError.generic("device_del not allowed while migrating") }
        machine.unplug(id: device.id)
        return .emptyObject
    }

    private func list(_ path: String) throws -> JSONValue {
        if path == Self.peripheral || path == "peripheral" {
            return .array(machine.devices.devices.map { ["name": .string($0.id), "type": .string("child<\(VFIODevice.typeName)>")] })
        }
        return .array(try device(at: path).qomList().map { ["name": .string($0.name), "type": .string($0.type)] })
    }

    private func device(at path: String) throws -> VFIODevice {
        guard let device = machine.devices.device(qomPath: path) else {
            throw QMPError(.deviceNotFound, "Device '\(path)' not found")
        }
        return device
    }

    static func migrationInfo(_ device: VFIODevice, prediction: DowntimePrediction? = nil) -> JSONValue {
        let progress = device.progressSnapshot
        var info: JSONObject = [
            "id": .string(device.id), "qom-path": .string(device.qomPath),
            "device-state": .string(progress.state.eventName ?? "stop"),
            "mode": .string(progress.mode?.rawValue ?? "none"), "phase": .string(progress.phase.rawValue),
            "read-bytes": .integer(progress.bytesRead), "sent-bytes": .integer(progress.bytesSent),
            "received-bytes": .integer(progress.bytesReceived), "queued-bytes": .integer(progress.bytesQueued),
            "loaded-bytes": .integer(progress.bytesLoaded), "queued-buffers": .integer(progress.buffersQueued),
            "state-size": .integer(device.currentProperties.stateSize), "stream-size": .integer(progress.streamSize),
        ]
        if let rate = device.rates.ownRate, rate.isFinite {
            info["x-observed-rate"] = .integer(UInt64(min(rate, 1.8e19)))
        }
        if let share = prediction?.devices.first(where: { $0.name == device.name }) {
            info["x-predicted-downtime"] = .integer(share.milliseconds)
        }
        return .object(info)
    }

    private static func json(_ value: VFIOPropertyValue) -> JSONValue {
        switch value {
        case .bool(let flag): return .bool(flag)
        case .uint64(let number): return .integer(number)
        case .string(let text): return .string(text)
        }
    }

    private static func propertyValue(_ value: JSONValue) throws -> VFIOPropertyValue {
        switch value {
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        default:
            guard let number = value.uint64Value else {
                throw QMPError.generic("Invalid parameter type for 'value', expected: integer, boolean or string")
            }
            return .uint64(number)
        }
    }

    /// A `device_add` argument as the text its property reads (as `-device` would give it).
    private static func optionText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "on" : "off"
        default: return JSONWriter.string(value)
        }
    }

    /// Runs a device-model call, turning its errors into `GenericError` replies.
    private static func vfio<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as QMPError {
            throw error
        } catch {
            throw QMPError.generic("\(error)")
        }
    }
}
