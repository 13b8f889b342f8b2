import JSON

/// One VFIO device's transfer as `x-query-vfio-migration` reports it, in one quantity: bytes of the device's
/// data stream read from the device (source) or loaded into it (destination), against the stream's size.
/// (The stream is larger than the device's `state-size`: it carries record headers too.)
package struct DeviceTransferProgress: Equatable, Sendable {
    /// The device id.
    package let id: String
    /// Whether the device is on the receiving side (it received or loaded data, or is loading).
    package let isDestination: Bool
    /// Stream bytes read (source) or loaded (destination) so far.
    package let done: UInt64
    /// The stream size; nil while unknown (a destination still loading, or a server without `stream-size`).
    package let total: UInt64?
    /// The device's `phase` (`precopy`, `stop-copy`, `completed`, …).
    package let phase: String
    /// The transfer mode (`multifd`, `main-channel`, or `none` before any migration).
    package let mode: String

    /// The progress of `device`, a VfioDeviceMigrationInfo object.
    package init(_ device: JSONValue) {
        id = device.text("id")
        phase = device.text("phase")
        mode = device.text("mode")
        isDestination = ["resuming", "loading-config"].contains(phase)
            || device.unsigned("received-bytes") > 0 || device.unsigned("loaded-bytes") > 0
        done = device.unsigned(isDestination ? "loaded-bytes" : "read-bytes")
        let size = device.unsigned("stream-size")
        total = size > 0 ? size : (phase == "completed" ? done : nil)
    }

    /// The share of the stream done, 0...1 (0 while the size is unknown).
    package var fraction: Double {
        guard let total, total > 0 else { return 0 }
        return min(1, Double(done) / Double(total))
    }

    /// Whether nothing is left to move: the device's migration ended, or all of its stream is done.
    package var isFinished: Bool {
        if ["completed", "failed", "cancelled"].contains(phase) { return true }
        guard let total, total > 0 else { return false }
        return done >= total
    }

    /// What was done to the bytes: `read` (source) or `loaded` (destination).
    package var verb: String { isDestination ? "loaded" : "read" }

    /// The stream size for people: `257.5 MiB`, `?` while unknown.
    package var totalText: String { total.map(BinaryByteCount.string) ?? "?" }

    /// `128.0 MiB / 257.5 MiB`.
    package var amountText: String { "\(BinaryByteCount.string(done)) / \(totalText)" }

    /// The transfer mode for people: `multifd`, `main channel`, `none`.
    package var modeText: String { mode == "main-channel" ? "main channel" : mode }

    /// The phase, with the transfer mode once there is one: `stop-copy (multifd)`, `idle`.
    package var statusText: String {
        ["", "none"].contains(mode) ? phase : "\(phase) (\(modeText))"
    }
}
