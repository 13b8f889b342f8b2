/// A device's mutable migration state (QEMU's `VFIOMigration`), guarded by the device.
struct VFIODeviceSession {
    /// The last state the device was set to (QEMU's `migration->device_state`).
    var deviceState: VFIODeviceState
    /// The emulated config (source: programmed by the guest; destination: what was loaded).
    var config: VFIODeviceConfig
    /// The section instance id (assigned when the engine registers the device).
    var instanceID: UInt32 = 0
    /// The role of the current or last migration.
    var role: VFIOMigrationRole?
    /// Setup-time snapshot of the effective `x-migration-multifd-transfer`.
    var multifdTransfer = false
    /// Setup-time snapshot of the effective `x-migration-load-config-after-iter`.
    var loadConfigAfterIter = false
    /// Setup-time snapshot of the `switchover-ack` capability.
    var switchoverAck = false
    /// Chunk size of device reads: min(1 MiB, STOP_COPY size at setup).
    var dataBufferSize = VFIOMainChannelCodec.defaultDataBufferSize
    /// Precopy bytes the device reported, decremented as chunks are read.
    var precopyInitSize: UInt64 = 0
    var precopyDirtySize: UInt64 = 0
    /// Whether INIT_DATA_SENT was written.
    var initialDataSent = false
    /// Source: the main-channel read buffers, reused by every precopy burst and stop-copy chunk until
    /// `saveCleanup`.
    var readBuffers: [[UInt8]] = []
    /// The destination's reorder buffer and load loop (multifd mode only).
    var loader: VFIOMultiFDLoader?
    /// The `VFIO_MIGRATION` event callback.
    var eventHandler: (@Sendable (VFIOMigrationEvent) -> Void)?
}
