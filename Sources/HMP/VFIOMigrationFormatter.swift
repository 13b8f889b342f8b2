import JSON

/// `info vfio` (vmig's own): every VFIO device's migration state and progress from `x-query-vfio-migration`,
/// in the `name: value` style of QEMU's other `info` commands. Progress is the share of the device's data stream
/// read (source) or loaded (destination), the quantity of `vmig migrate`'s bars.
enum VFIOMigrationFormatter {
    /// The whole text for `devices` (a list of VfioDeviceMigrationInfo).
    static func text(_ devices: [JSONValue]) -> String {
        guard !devices.isEmpty else { return "No VFIO devices\n" }
        return devices.map(deviceText).joined()
    }

    private static func deviceText(_ device: JSONValue) -> String {
        let progress = DeviceTransferProgress(device)
        let lines = [
            "vfio device \(device.text("id")) (\(device.text("qom-path"))):",
            "  device state: \(device.text("device-state"))",
            "  transfer mode: \(device.text("mode"))",
            "  phase: \(device.text("phase"))",
            "  state size: \(device.unsigned("state-size") >> 10) kbytes",
            "  stream size: \(progress.total.map { "\($0 >> 10) kbytes" } ?? "unknown")",
            "  read: \(device.unsigned("read-bytes") >> 10) kbytes",
            "  sent: \(device.unsigned("sent-bytes") >> 10) kbytes",
            "  received: \(device.unsigned("received-bytes") >> 10) kbytes",
            "  queued: \(device.unsigned("queued-bytes") >> 10) kbytes (\(device.unsigned("queued-buffers")) buffers)",
            "  loaded: \(device.unsigned("loaded-bytes") >> 10) kbytes",
            "  progress: \(progress.total == nil ? "unknown" : "\(percentDone(progress))%")",
        ]
        return lines.map { $0 + "\n" }.joined()
    }

    /// The share of the stream read or loaded, in whole percent rounded down (100 only when all of it is).
    static func percentDone(_ progress: DeviceTransferProgress) -> UInt64 {
        UInt64((progress.fraction * 100).rounded(.down))
    }
}
