/// One element of VFIO's payload inside a main-stream section.
package enum VFIOMainChannelRecord: Equatable, Sendable {
    /// `DEV_SETUP_STATE` followed by `END_OF_STATE` (the setup section's whole payload).
    case setupState
    /// `END_OF_STATE`: the section payload ends.
    case endOfState
    /// `DEV_DATA_STATE`, be64 size, that many device data bytes.
    case dataState([UInt8])
    /// `DEV_CONFIG_STATE`, the device config, `END_OF_STATE`.
    case configState(VFIODeviceConfig)
    /// `DEV_INIT_DATA_SENT`: ends a precopy section; the initial data has all been sent.
    case initDataSent
    /// `DEV_CONFIG_LOAD_READY`: ends the non-iterable section in multifd mode (QEMU 10.1).
    case configLoadReady
}
