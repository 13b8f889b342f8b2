/// The properties of the simulated `vfio-pci` device, by their QEMU names.
package enum VFIOPropertyName: String, Sendable, CaseIterable {
    /// `x-state-size` (size): bytes of device state (simulation).
    case stateSize = "x-state-size"
    /// `x-precopy-size` (size): bytes readable in PRE_COPY (simulation).
    case precopySize = "x-precopy-size"
    /// `x-dirty-rate` (size): bytes/s the running device changes (simulation).
    case dirtyRate = "x-dirty-rate"
    /// `x-read-bandwidth` (size): data stream read rate, 0 = unlimited (simulation).
    case readBandwidth = "x-read-bandwidth"
    /// `x-write-bandwidth` (size): data stream write rate, 0 = unlimited (simulation).
    case writeBandwidth = "x-write-bandwidth"
    /// `x-p2p` (bool): whether the device offers RUNNING_P2P (simulation).
    case p2p = "x-p2p"
    /// `x-precopy` (bool): whether the device offers PRE_COPY (simulation).
    case precopy = "x-precopy"
    /// `migration-events` (bool): emit `VFIO_MIGRATION` events.
    case migrationEvents = "migration-events"
    /// `x-migration-multifd-transfer` (OnOffAuto): device state via multifd channels.
    case multifdTransfer = "x-migration-multifd-transfer"
    /// `x-migration-max-queued-buffers` (uint64): out-of-order buffers the destination may hold.
    case maxQueuedBuffers = "x-migration-max-queued-buffers"
    /// `x-migration-max-queued-buffers-size` (size): bytes the destination may hold queued.
    case maxQueuedBuffersSize = "x-migration-max-queued-buffers-size"
    /// `x-migration-load-config-after-iter` (OnOffAuto): load config only after CONFIG_LOAD_READY.
    case loadConfigAfterIter = "x-migration-load-config-after-iter"
    /// `x-fail-read-after` (size): fault injection for tests — the data-stream read fails once after this many
    /// bytes (0 = never; simulation).
    case failReadAfter = "x-fail-read-after"

    /// The property's QOM type.
    package var type: VFIOPropertyType {
        switch self {
        case .stateSize, .precopySize, .dirtyRate, .readBandwidth, .writeBandwidth, .maxQueuedBuffersSize,
            .failReadAfter:
            .size
        case .p2p, .precopy, .migrationEvents: .bool
        case .multifdTransfer, .loadConfigAfterIter: .onOffAuto
        case .maxQueuedBuffers: .uint64
        }
    }

    /// Whether qom-set may change it on a realized device (only the multifd switch, as in QEMU).
    package var isMutableAfterRealize: Bool { self == .multifdTransfer }

    /// A one-line description.
    package var summary: String {
        switch self {
        case .stateSize: "Size of the simulated device state"
        case .precopySize: "Bytes of device state readable during precopy"
        case .dirtyRate: "Bytes per second the running device changes"
        case .readBandwidth: "Device data read rate in bytes per second (0 = unlimited)"
        case .writeBandwidth: "Device data write rate in bytes per second (0 = unlimited)"
        case .p2p: "Whether the device supports the P2P migration states"
        case .precopy: "Whether the device supports the PRE_COPY migration state"
        case .migrationEvents: "Emit VFIO_MIGRATION events for this device"
        case .multifdTransfer: "Transfer this device state via multifd channels when live migrating it"
        case .maxQueuedBuffers: "Maximum count of in-flight VFIO device state buffers queued at the destination"
        case .maxQueuedBuffersSize: "Maximum size of in-flight VFIO device state buffers queued at the destination"
        case .loadConfigAfterIter: "Start the config load only after all iterables were loaded"
        case .failReadAfter: "Fail one device data read after this many bytes (testing; 0 = never)"
        }
    }
}
