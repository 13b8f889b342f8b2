/// Digests of a machine's guest RAM and device states (`x-query-digest`): equal on both ends of a migration that
/// copied everything.
public struct MachineDigests: Equatable, Sendable {
    /// One device's state digest.
    public struct Device: Equatable, Sendable {
        /// The device id.
        public var id: String
        /// The digest of its state, nil when its backend cannot digest it.
        public var digest: UInt64?
    }

    /// The RAM digest.
    public var ram: String
    /// One per device, in plug order.
    public var devices: [Device]
}
