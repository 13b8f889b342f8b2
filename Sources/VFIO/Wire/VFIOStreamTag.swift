/// The be64 markers of VFIO's main-stream payload (`VFIO_MIG_FLAG_*`, hw/vfio/migration.c):
/// top 32 bits all ones, then the magic `0xef10`, then 16 flag bits.
package enum VFIOStreamTag: UInt64, Sendable, CaseIterable {
    /// `VFIO_MIG_FLAG_END_OF_STATE`: ends every VFIO section payload.
    case endOfState = 0xffff_ffff_ef10_0001
    /// `VFIO_MIG_FLAG_DEV_CONFIG_STATE`: precedes the device config state.
    case devConfigState = 0xffff_ffff_ef10_0002
    /// `VFIO_MIG_FLAG_DEV_SETUP_STATE`: the setup marker.
    case devSetupState = 0xffff_ffff_ef10_0003
    /// `VFIO_MIG_FLAG_DEV_DATA_STATE`: precedes a be64 size and that many device data bytes.
    case devDataState = 0xffff_ffff_ef10_0004
    /// `VFIO_MIG_FLAG_DEV_INIT_DATA_SENT`: the initial precopy data is all sent (switchover-ack).
    case devInitDataSent = 0xffff_ffff_ef10_0005
    /// `VFIO_MIG_FLAG_DEV_CONFIG_LOAD_READY` (QEMU 10.1): the config may be loaded now.
    case devConfigLoadReady = 0xffff_ffff_ef10_0006
}
