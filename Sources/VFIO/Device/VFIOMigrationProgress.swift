/// A snapshot of one device's migration counters.
package struct VFIOMigrationProgress: Equatable, Sendable {
    /// The device id.
    package var deviceID: String
    /// The device's current migration state.
    package var state: VFIODeviceState
    /// The transfer path chosen at setup (nil before any setup).
    package var mode: VFIOTransferMode?
    /// The current phase.
    package var phase: VFIOMigrationPhase = .idle
    /// Source: device data bytes read from the device.
    package var bytesRead: UInt64 = 0
    /// The size of the device's data stream, the quantity `bytesRead` (source) and `bytesLoaded` (destination)
    /// count. Before a migration: the STOP_COPY size the device reports. Source: bytes read so far plus the
    /// STOP_COPY size the device last reported (exact from STOP_COPY on). Destination: 0 while unknown, the
    /// bytes loaded once the load completed.
    package var streamSize: UInt64 = 0
    /// Source: bytes handed to the transport (multifd: including 12-byte packet headers).
    package var bytesSent: UInt64 = 0
    /// Destination: device data bytes received (packet data or main-channel chunks).
    package var bytesReceived: UInt64 = 0
    /// Destination: bytes waiting in the reorder buffer now.
    package var bytesQueued: UInt64 = 0
    /// Destination: device data bytes written to the device.
    package var bytesLoaded: UInt64 = 0
    /// Destination: buffers waiting in the reorder buffer now.
    package var buffersQueued: UInt64 = 0
    /// Destination: buffers written to the device so far.
    package var buffersLoaded: UInt64 = 0

    /// Counters at zero for `deviceID` in `state`.
    package init(deviceID: String, state: VFIODeviceState) {
        self.deviceID = deviceID
        self.state = state
    }
}
