import HMP

/// What `vmig demo` migrates and how.
struct DemoSettings: Sendable {
    /// Guest RAM in bytes.
    var memory: UInt64
    /// The state size of each VFIO device, in bytes.
    var deviceSizes: [UInt64]
    /// Multifd channels.
    var channels: Int
    /// Whether multifd is on (with it, device state travels over the channels).
    var multifd: Bool
    /// Bytes per second the source's workload dirties.
    var dirtyRate: UInt64
    /// Simulated device read and write speed in bytes per second.
    var deviceBandwidth: UInt64
    /// The migration's max-bandwidth parameter in bytes per second.
    var maxBandwidth: UInt64

    /// The device ids: gpu0, nic0, dpu0, gpu1, …
    var deviceIDs: [String] {
        let kinds = ["gpu", "nic", "dpu"]
        return deviceSizes.indices.map { "\(kinds[$0 % kinds.count])\($0 / kinds.count)" }
    }

    /// One line saying what the demo does.
    var description: String {
        let devices = zip(deviceIDs, deviceSizes).map { "\($0) \(BinaryByteCount.string($1))" }
        let noun = devices.count == 1 ? "VFIO device" : "VFIO devices"
        let deviceText = devices.isEmpty ? "no VFIO devices" : "\(devices.count) \(noun) (\(devices.joined(separator: ", ")))"
        let transport = multifd ? "multifd over \(channels) channels" : "without multifd (one main channel)"
        return "\(BinaryByteCount.string(memory)) of RAM dirtied at \(BinaryByteCount.string(dirtyRate))/s, \(deviceText), \(transport)"
    }
}
