import Migration
import VFIO

extension DeviceTable {
    /// A VM run-state change for every device, in QEMU's order: the prepare step (P2P states) for all devices
    /// first, then the change for all. Call it when the VM stops (`finishMigrate` for a migration's switchover)
    /// and when it starts (`cont`, a failed or cancelled outgoing migration, an incoming one that completed).
    /// Failures are recorded on the handlers (they fail a running outgoing migration) and returned.
    @discardableResult
    public func vmStateChange(running: Bool, finishMigrate: Bool = false) -> [VFIOError] {
        let handlers = saveStateHandlers
        let prepared = handlers.compactMap { $0.vmStateChangePrepare() }
        return prepared + handlers.compactMap { $0.vmStateChange(running: running, finishMigrate: finishMigrate) }
    }

    /// `query-migrate`'s `vfio.transferred` for `info`, the engine's reply: the bytes every device sent in the
    /// current or last outgoing migration (data only on the main channel; 12-byte packet headers + data on
    /// multifd), or nil where QEMU leaves `vfio` out: no VFIO device, or an info without RAM statistics (QEMU
    /// fills both in the same states: source side, active to completed).
    public func vfioTransferred(for info: MigrationInfo) -> UInt64? {
        guard !devices.isEmpty, info.ram != nil else { return nil }
        return transferStats.transferred
    }
}
