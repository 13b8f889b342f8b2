import JSON

/// `info vfio` (vmig's own): every VFIO device's migration state and progress from `x-query-vfio-migration`,
/// in the `name: value` style of QEMU's other `info` commands.
enum VFIOMigrationFormatter {
    /// The whole text for `devices` (a list of VfioDeviceMigrationInfo).
    static func text(_ devices: [JSONValue]) -> String {
        guard !devices.isEmpty else { return "No VFIO devices\n" }
        return devices.map(deviceText).joined()
    }

    private static func deviceText(_ device: JSONValue) -> String {
        let lines = [
            "vfio device \(device.text("id")) (\(device.text("qom-path"))):",
            "  device state: \(device.text("device-state"))",
            "  transfer mode: \(device.text("mode"))",
            "  phase: \(device.text("phase"))",
            "  state size: \(device.unsigned("state-size") >> 10) kbytes",
            "  read: \(device.unsigned("read-bytes") >> 10) kbytes",
            "  sent: \(device.unsigned("sent-bytes") >> 10) kbytes",
            "  received: \(device.unsigned("received-bytes") >> 10) kbytes",
            "  queued: \(device.unsigned("queued-bytes") >> 10) kbytes (\(device.unsigned("queued-buffers")) buffers)",
            "  loaded: \(device.unsigned("loaded-bytes") >> 10) kbytes",
            "  progress: \(percentDone(device))%",
        ]
        return lines.map { $0 + "\n" }.joined()
    }

    /// How much of the state has been sent (source) or loaded (destination), in whole percent.
    static func percentDone(_ device: JSONValue) -> UInt64 {
        let size = device.unsigned("state-size")
        guard size > 0 else { return 0 }
        let done = max(device.unsigned("sent-bytes"), device.unsigned("loaded-bytes"))
        return min(100, UInt64(Double(done) / Double(size) * 100))
    }
}
