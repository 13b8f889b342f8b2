/// What a handler still has to move once the VM stops, as the downtime model needs it: how many bytes, how fast
/// the handler alone can deliver them, and whether it moves beside the others on the multifd channels or one
/// after another on the main channel.
public struct SwitchoverCost: Sendable, Equatable {
    /// A name for messages, e.g. the device id.
    package var name: String
    /// Bytes still to move at switchover (a VFIO device's STOP_COPY size).
    package var bytes: UInt64
    /// Bytes per second the handler itself can deliver, as observed (reads from the device, an earlier
    /// switchover); nil when nothing was observed yet.
    package var rate: Double?
    /// True when the bytes go out on a save thread of their own over multifd, in parallel with the others.
    package var parallel: Bool

    /// A cost.
    package init(name: String, bytes: UInt64, rate: Double?, parallel: Bool) {
        self.name = name
        self.bytes = bytes
        self.rate = rate
        self.parallel = parallel
    }
}
