/// A VFIO migration uAPI v2 device state, with the numeric values of the
/// kernel's `enum vfio_device_mig_state` (include/uapi/linux/vfio.h).
package enum VFIODeviceState: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// The device failed; only a reset leaves this state.
    case error = 0
    /// The device is stopped and not changing its internal state.
    case stop = 1
    /// The device is running normally.
    case running = 2
    /// The device is stopped and its complete state can be read from the data stream.
    case stopCopy = 3
    /// The device is stopped and accepts a state stream written by the user.
    case resuming = 4
    /// The device runs but does not accept peer-to-peer DMA (optional, P2P feature).
    case runningP2P = 5
    /// The device runs and its initial state can be read ahead of time (optional, PRE_COPY feature).
    case preCopy = 6
    /// Like PRE_COPY, with peer-to-peer DMA quiesced (needs both P2P and PRE_COPY).
    case preCopyP2P = 7

    /// The name QEMU's `mig_state_to_str()` prints, e.g. `STOP_COPY`.
    package var kernelName: String {
        switch self {
        case .error: "ERROR"
        case .stop: "STOP"
        case .running: "RUNNING"
        case .stopCopy: "STOP_COPY"
        case .resuming: "RESUMING"
        case .runningP2P: "RUNNING_P2P"
        case .preCopy: "PRE_COPY"
        case .preCopyP2P: "PRE_COPY_P2P"
        }
    }

    /// The `device-state` value of the `VFIO_MIGRATION` event (QAPI `QapiVfioMigrationState`),
    /// e.g. `stop-copy`; `nil` for ERROR, which QEMU never reports.
    package var eventName: String? {
        switch self {
        case .error: nil
        case .stop: "stop"
        case .running: "running"
        case .stopCopy: "stop-copy"
        case .resuming: "resuming"
        case .runningP2P: "running-p2p"
        case .preCopy: "pre-copy"
        case .preCopyP2P: "pre-copy-p2p"
        }
    }

    /// The optional features a device must offer for this state to exist.
    package var requiredFeatures: VFIOMigrationFeatures {
        switch self {
        case .error: .all
        case .stop, .running, .stopCopy, .resuming: .stopCopy
        case .runningP2P: [.stopCopy, .p2p]
        case .preCopy: [.stopCopy, .preCopy]
        case .preCopyP2P: [.stopCopy, .p2p, .preCopy]
        }
    }

    /// Whether the device runs (and may change its internal state) in this state.
    package var isRunning: Bool {
        switch self {
        case .running, .runningP2P, .preCopy, .preCopyP2P: true
        case .error, .stop, .stopCopy, .resuming: false
        }
    }

    /// Whether this is PRE_COPY or PRE_COPY_P2P.
    package var isPreCopy: Bool { self == .preCopy || self == .preCopyP2P }

    /// The kernel name, e.g. `RUNNING_P2P`.
    package var description: String { kernelName }
}
