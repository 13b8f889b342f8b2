/// The device side of VFIO migration, mirroring the kernel uAPI v2 so that a real
/// `/dev/vfio` backend (ioctl `VFIO_DEVICE_FEATURE` with `MIG_DEVICE_STATE`, `MIG_DATA_SIZE`,
/// `VFIO_MIG_GET_PRECOPY_INFO`, reads/writes on the returned data fd, `VFIO_DEVICE_RESET`)
/// can implement it.
///
/// Every method may block the calling thread (a slow data fd): call them from dedicated
/// threads, never from Swift concurrency's cooperative pool. Implementations are thread-safe.
package protocol VFIOMigrationBackend: AnyObject, Sendable {
    /// Whether the device offers RUNNING_P2P (`VFIO_MIGRATION_P2P`).
    var supportsP2P: Bool { get }
    /// Whether the device offers PRE_COPY (`VFIO_MIGRATION_PRE_COPY`).
    var supportsPreCopy: Bool { get }

    /// Walks the device to `state` (the kernel steps through intermediate states itself).
    ///
    /// - Returns: whether a data stream is open after the transition (the data fd exists in
    ///   PRE_COPY, PRE_COPY_P2P, STOP_COPY and RESUMING).
    /// - Throws: `VFIOBackendError` (`EINVAL` for a refused transition). A device whose
    ///   transition failed midway may be left in ERROR.
    func setState(_ state: VFIODeviceState) throws -> Bool

    /// Reads the next bytes of the outgoing state stream into `buffer`.
    ///
    /// - Returns: the number of bytes read; 0 means end of stream in STOP_COPY and
    ///   "nothing more for now" in PRE_COPY (the kernel's `ENOMSG`).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// Writes the next bytes of the incoming state stream (RESUMING only).
    ///
    /// - Returns: the number of bytes accepted (possibly fewer than offered).
    func write(_ bytes: UnsafeRawBufferPointer) throws -> Int

    /// `VFIO_MIG_GET_PRECOPY_INFO`: bytes of initial and of dirty precopy data still readable.
    /// Only valid in PRE_COPY and PRE_COPY_P2P.
    func precopyInfo() throws -> (initialBytes: UInt64, dirtyBytes: UInt64)

    /// `VFIO_DEVICE_FEATURE_MIG_DATA_SIZE`: the estimated bytes still needed to complete
    /// STOP_COPY.
    func stopCopySize() throws -> UInt64

    /// `VFIO_DEVICE_RESET`: back to RUNNING from any state (including ERROR); any data
    /// stream is closed.
    func reset()
}

extension VFIOMigrationBackend {
    /// The backend's optional features as kernel flags.
    package var migrationFeatures: VFIOMigrationFeatures {
        .device(p2p: supportsP2P, preCopy: supportsPreCopy)
    }
}
