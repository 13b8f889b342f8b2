/// A backend that can digest its internal state (simulated devices; real hardware cannot).
package protocol VFIODigestibleBackend: VFIOMigrationBackend {
    /// A digest of the device's current internal state.
    func digest() -> UInt64
}

extension SimulatedVFIOBackend: VFIODigestibleBackend {}
