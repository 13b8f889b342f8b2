/// A `VFIO_MIGRATION` event: a device changed its migration state (sent only when the
/// device's `migration-events` property is on).
package struct VFIOMigrationEvent: Equatable, Sendable {
    /// The device id (`device-id`).
    package var deviceID: String
    /// The device's QOM path (`qom-path`).
    package var qomPath: String
    /// The state the device entered.
    package var state: VFIODeviceState

    /// Creates an event.
    package init(deviceID: String, qomPath: String, state: VFIODeviceState) {
        self.deviceID = deviceID
        self.qomPath = qomPath
        self.state = state
    }

    /// The event's `device-state` value, e.g. `stop-copy`.
    package var deviceStateName: String { state.eventName ?? "error" }
}
