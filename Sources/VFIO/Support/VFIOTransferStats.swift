import Synchronization

/// The VFIO `transferred` statistic of `query-migrate`: bytes of VFIO device state sent by
/// all devices of one machine (in multifd mode including the 12-byte packet headers).
/// Reset at the start of each migration.
package final class VFIOTransferStats: Sendable {
    private let bytes = Atomic<UInt64>(0)

    /// A counter at zero.
    package init() {}

    /// The bytes counted since the last reset.
    package var transferred: UInt64 { bytes.load(ordering: .relaxed) }

    /// Adds `count` bytes.
    package func add(_ count: UInt64) {
        bytes.add(count, ordering: .relaxed)
    }

    /// Back to zero.
    package func reset() {
        bytes.store(0, ordering: .relaxed)
    }
}
