/// Which path carries a device's STOP_COPY state.
public enum VFIOTransferMode: String, Sendable {
    /// Multifd channels, packets reordered by idx at the destination.
    case multifd = "multifd"
    /// The main migration channel (legacy).
    case mainChannel = "main-channel"
}

/// Where a device is in a migration.
public enum VFIOMigrationPhase: String, Sendable {
    /// No migration.
    case idle = "idle"
    /// Save or load setup done.
    case setup = "setup"
    /// Source: precopy iterations.
    case precopy = "precopy"
    /// Source: the VM is stopped and the rest of the state is being read and sent.
    case stopCopy = "stop-copy"
    /// Destination: receiving and loading device data.
    case resuming = "resuming"
    /// Destination: all data loaded, loading the config.
    case loadingConfig = "loading-config"
    /// Done; the state arrived.
    case completed = "completed"
    /// Failed.
    case failed = "failed"
    /// Cancelled.
    case cancelled = "cancelled"
}

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
