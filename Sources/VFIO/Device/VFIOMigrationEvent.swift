/// A `VFIO_MIGRATION` event: a device changed its migration state (sent only when the
/// device's `migration-events` property is on).
public struct VFIOMigrationEvent: Equatable, Sendable {
    /// The device id (`device-id`).
    public var deviceID: String
    /// The device's QOM path (`qom-path`).
    public var qomPath: String
    /// The state the device entered.
    public var state: VFIODeviceState

    /// Creates an event.
    public init(deviceID: String, qomPath: String, state: VFIODeviceState) {
        self.deviceID = deviceID
        self.qomPath = qomPath
        self.state = state
    }

    /// The event's `device-state` value, e.g. `stop-copy`.
    public var deviceStateName: String { state.eventName ?? "error" }
}
