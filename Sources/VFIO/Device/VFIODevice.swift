import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A `vfio-pci` device of a simulated machine: identity (id, QOM path, PCI slot, section
/// idstr), properties, a migration backend, and the VFIO migration logic that the engine's
/// save/load handlers call (see the `+Save`, `+Load`, `+MainChannel`, `+State` and `+QOM`
/// extensions).
///
/// Thread-safe. Methods that touch the backend may block: call them from the migration,
/// multifd or pool threads, never from Swift concurrency's cooperative pool.
package final class VFIODevice: Sendable {
    /// The QOM type name.
    package static let typeName = VFIODeviceSpec.driver

    /// The device id (`id=`); also the name in VFIO error messages.
    package let id: String
    /// `/machine/peripheral/ID`.
    package let qomPath: String
    /// The PCI slot on bus 0 (function 0).
    package let pciSlot: UInt8
    /// The migration section idstr: `0000:00:SS.0/vfio`.
    package let idstr: String
    /// The device's migration backend.
    package let backend: any VFIOMigrationBackend
    /// The machine-wide VFIO `transferred` counter this device adds to.
    package let transferStats: VFIOTransferStats

    /// The rates this device was seen to deliver its state at, for the engine's downtime model.
    package let rates = VFIORateObserver()

    let properties: NIOLockedValueBox<VFIOProperties>
    let session: NIOLockedValueBox<VFIODeviceSession>
    let progress: VFIOProgressTracker

    /// A realized device. Without `backend`, a `SimulatedVFIOBackend` is built from the
    /// simulation properties (`x-state-size`, …).
    package init(
        spec: VFIODeviceSpec, pciSlot: UInt8, backend: (any VFIOMigrationBackend)? = nil,
        transferStats: VFIOTransferStats = VFIOTransferStats()
    ) {
        id = spec.id
        qomPath = "/machine/peripheral/\(spec.id)"
        self.pciSlot = pciSlot
        idstr = "\(Self.pciAddress(slot: pciSlot))/vfio"
        let backend = backend ?? Self.simulatedBackend(spec)
        self.backend = backend
        self.transferStats = transferStats
        properties = NIOLockedValueBox(spec.properties)
        session = NIOLockedValueBox(VFIODeviceSession(deviceState: .running, config: .programmed(deviceID: spec.id)))
        progress = VFIOProgressTracker(deviceID: spec.id, state: .running)
    }

    /// A simulated backend for `spec`, with its fault injection armed.
    private static func simulatedBackend(_ spec: VFIODeviceSpec) -> SimulatedVFIOBackend {
        let backend = SimulatedVFIOBackend(simulationConfiguration(spec))
        if spec.properties.failReadAfter > 0 {
            backend.injectReadFailure(afterBytes: spec.properties.failReadAfter)
        }
        return backend
    }

    /// The simulated backend parameters a spec's properties describe.
    package static func simulationConfiguration(_ spec: VFIODeviceSpec) -> SimulatedVFIOBackend.Configuration {
        let properties = spec.properties
        return SimulatedVFIOBackend.Configuration(
            deviceID: spec.id, stateSize: properties.stateSize, precopySize: properties.precopySize,
            dirtyRate: properties.dirtyRate, readBandwidth: properties.readBandwidth,
            writeBandwidth: properties.writeBandwidth, supportsP2P: properties.p2p,
            supportsPreCopy: properties.precopy)
    }

    /// `0000:00:SS.0` for a slot on bus 0.
    package static func pciAddress(slot: UInt8) -> String {
        let hex = String(slot, radix: 16)
        return "0000:00:\(hex.count < 2 ? "0" + hex : hex).0"
    }

    /// The name used in error messages (QEMU's `vbasedev->name`).
    package var name: String { id }

    /// The current property values.
    package var currentProperties: VFIOProperties { properties.withLockedValue { $0 } }

    /// The state the device was last set to.
    package var deviceState: VFIODeviceState { session.withLockedValue { $0.deviceState } }

    /// The emulated config as it is now.
    package var config: VFIODeviceConfig { session.withLockedValue { $0.config } }

    /// The section instance id (default 0).
    package var instanceID: UInt32 { session.withLockedValue { $0.instanceID } }

    /// Sets the section instance id the engine assigned at registration.
    package func setInstanceID(_ instanceID: UInt32) {
        session.withLockedValue { $0.instanceID = instanceID }
    }

    /// Whether the last save/load setup chose multifd transfer (the setup-time snapshot).
    package var multifdTransferEnabled: Bool { session.withLockedValue { $0.multifdTransfer } }

    /// The counters of the current or last migration, with the stream size filled in where the counters alone
    /// do not have it (see ``VFIOMigrationProgress/streamSize``).
    package var progressSnapshot: VFIOMigrationProgress {
        var snapshot = progress.snapshot
        switch snapshot.phase {
        case .idle: snapshot.streamSize = (try? backend.stopCopySize()) ?? 0
        case .completed where snapshot.bytesLoaded > 0: snapshot.streamSize = snapshot.bytesLoaded
        default: break
        }
        // Pages dirtied again since the device last reported its size are read before the next report.
        snapshot.streamSize = max(snapshot.streamSize, snapshot.bytesRead)
        return snapshot
    }

    /// Back to the counters of a device that never migrated (phase `idle`), before a new migration's setup.
    package func clearMigrationProgress() {
        progress.clear(state: deviceState)
    }

    /// Installs the progress callback: at most one call per 100 ms, plus a final one.
    /// It runs on migration threads and must return quickly.
    package func setProgressHandler(_ handler: (@Sendable (VFIOMigrationProgress) -> Void)?) {
        progress.setHandler(handler)
    }

    /// Installs the callback for `VFIO_MIGRATION` events (called only with `migration-events=on`).
    package func setEventHandler(_ handler: (@Sendable (VFIOMigrationEvent) -> Void)?) {
        session.withLockedValue { $0.eventHandler = handler }
    }

    /// A digest of device state plus config; nil when the backend cannot digest. Equal on
    /// source and destination after a correct migration.
    package func digest() -> UInt64? {
        guard let backend = backend as? any VFIODigestibleBackend else { return nil }
        var hasher = StateHasher(seed: 0x7666_696F_6465_7631)
        hasher.combine(backend.digest())
        hasher.combine(config.digest)
        return hasher.finalize()
    }
}
