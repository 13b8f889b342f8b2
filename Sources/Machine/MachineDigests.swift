/// Digests of a machine's guest RAM and device states (`x-query-digest`): equal on both ends of a migration that
/// copied everything.
package struct MachineDigests: Equatable, Sendable {
    /// One device's state digest.
    package struct Device: Equatable, Sendable {
        /// The device id.
        package var id: String
        /// The digest of its state, nil when its backend cannot digest it.
        package var digest: UInt64?
    }

    /// The RAM digest.
    package var ram: String
    /// One per device, in plug order.
    package var devices: [Device]
}
