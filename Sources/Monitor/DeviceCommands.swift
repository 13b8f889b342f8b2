import JSON
import Migration
import QMP
import VFIO

/// `device_add`, `device_del`, `qom-list`, `qom-get`, `qom-set` and `x-query-vfio-migration` over the
/// machine's VFIO devices, plus the events the devices raise.
public struct DeviceCommands: Sendable {
    /// The machine's VFIO devices.
    public let devices: VFIODeviceRegistry
    /// Emits a QMP event (name, data).
    public let events: @Sendable (String, JSONObject) -> Void
    /// Whether a migration is running (devices cannot be plugged or unplugged then).
    public let migrationRunning: @Sendable () -> Bool
    /// The outgoing migration's downtime prediction, for each device's predicted share.
    public let switchoverPrediction: @Sendable () -> DowntimePrediction?

    /// Commands over `devices`; plugging is refused while `migrationRunning()`.
    public init(
        devices: VFIODeviceRegistry, migrationRunning: @escaping @Sendable () -> Bool,
        switchoverPrediction: @escaping @Sendable () -> DowntimePrediction? = { nil },
        events: @escaping @Sendable (String, JSONObject) -> Void
    ) {
        self.devices = devices
        self.migrationRunning = migrationRunning
        self.switchoverPrediction = switchoverPrediction
        self.events = events
    }

    static let peripheral = "/machine/peripheral"

    /// Connects a device's event and progress callbacks to QMP events.
    public func attach(_ device: VFIODevice) {
        let events = self.events
        device.setEventHandler { event in
            events("VFIO_MIGRATION", [
                "device-id": .string(event.deviceID), "qom-path": .string(event.qomPath),
                "device-state": .string(event.deviceStateName),
            ])
        }
        // A destination learns the stream's size only at the end: until then its own full state's stream stands in.
        let localStream = device.progressSnapshot.streamSize
        device.setProgressHandler { progress in
            let done = max(progress.bytesRead, progress.bytesLoaded)
            let total = max(progress.streamSize > 0 ? progress.streamSize : localStream, done)
            events("VFIO_MIGRATION_PROGRESS", [
                "device-id": .string(progress.deviceID), "phase": .string(progress.phase.rawValue),
                "bytes-done": .integer(done), "bytes-total": .integer(total),
                "mode": .string(progress.mode?.rawValue ?? "none"),
            ])
        }
    }

    /// The command handlers.
    public var commands: [QMPCommand] {
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
                let prediction = this.migrationRunning() ? this.switchoverPrediction() : nil
                return .array(this.devices.devices.map { Self.migrationInfo($0, prediction: prediction) })
            },
        ]
    }

    private func add(_ arguments: JSONObject) throws -> JSONValue {
        guard !migrationRunning() else { throw QMPError.generic("device_add not allowed while migrating") }
        let options = arguments.filter { $0.key != "bus" }.map { (key: $0.key, value: Self.optionText($0.value)) }
        let device = try Self.vfio { try devices.add(VFIODeviceSpec(options: options)) }
        attach(device)
        return .emptyObject
    }

    private func delete(_ id: String) throws -> JSONValue {
        guard let device = devices.device(qomPath: id) else {
            throw QMPError(.deviceNotFound, "Device '\(id)' not found")
        }
        guard !migrationRunning() else { throw QMPError.generic("device_del not allowed while migrating") }
        devices.remove(id: device.id)
        events("DEVICE_DELETED", ["device": .string(device.id), "path": .string(device.qomPath)])
        return .emptyObject
    }

    private func list(_ path: String) throws -> JSONValue {
        if path == Self.peripheral || path == "peripheral" {
            return .array(devices.devices.map { ["name": .string($0.id), "type": .string("child<\(VFIODevice.typeName)>")] })
        }
        return .array(try device(at: path).qomList().map { ["name": .string($0.name), "type": .string($0.type)] })
    }

    private func device(at path: String) throws -> VFIODevice {
        guard let device = devices.device(qomPath: path) else {
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
