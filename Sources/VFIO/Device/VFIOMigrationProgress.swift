/// A snapshot of one device's migration counters.
public struct VFIOMigrationProgress: Equatable, Sendable {
    /// The device id.
    public var deviceID: String
    /// The device's current migration state.
    public var state: VFIODeviceState
    /// The transfer path chosen at setup (nil before any setup).
    public var mode: VFIOTransferMode?
    /// The current phase.
    public var phase: VFIOMigrationPhase = .idle
    /// Source: device data bytes read from the device.
    public var bytesRead: UInt64 = 0
    /// The size of the device's data stream, the quantity `bytesRead` (source) and `bytesLoaded` (destination)
    /// count. Before a migration: the STOP_COPY size the device reports. Source: bytes read so far plus the
    /// STOP_COPY size the device last reported (exact from STOP_COPY on). Destination: 0 while unknown, the
    /// bytes loaded once the load completed.
    public var streamSize: UInt64 = 0
    /// Source: bytes handed to the transport (multifd: including 12-byte packet headers).
    public var bytesSent: UInt64 = 0
    /// Destination: device data bytes received (packet data or main-channel chunks).
    public var bytesReceived: UInt64 = 0
    /// Destination: bytes waiting in the reorder buffer now.
    public var bytesQueued: UInt64 = 0
    /// Destination: device data bytes written to the device.
    public var bytesLoaded: UInt64 = 0
    /// Destination: buffers waiting in the reorder buffer now.
    public var buffersQueued: UInt64 = 0
    /// Destination: buffers written to the device so far.
    public var buffersLoaded: UInt64 = 0

    /// Counters at zero for `deviceID` in `state`.
    public init(deviceID: String, state: VFIODeviceState) {
        self.deviceID = deviceID
        self.state = state
    }
}
