import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import VFIO

/// The VFIO devices of one machine, each together with its migration handler: creation from `-device` options,
/// PCI slot allocation, lookup by id, QOM path or section idstr, and the machine-wide `transferred` counter.
///
/// One table, one row per device: unplugging removes the device and its handler together, so an unplugged
/// device is neither migrated nor told about run-state changes, and its slot is free for the next device.
package final class DeviceTable: Sendable {
    /// The default first slot: 0000:00:05.0 for the first device, as in QEMU's usual layout.
    package static let defaultFirstSlot: UInt8 = 5
    /// The highest slot on bus 0.
    package static let lastSlot: UInt8 = 31

    /// A plugged device and the handler that migrates it (created with it, kept for every migration).
    struct Row: Sendable {
        let device: VFIODevice
        let handler: VFIOSaveStateHandler
    }

    private let rows = NIOLockedValueBox<[Row]>([])
    private let firstSlot: UInt8
    /// Bytes of VFIO state sent by all devices (the `vfio.transferred` of query-migrate).
    package let transferStats = VFIOTransferStats()

    /// An empty machine whose first device gets `firstSlot`.
    package init(firstSlot: UInt8 = defaultFirstSlot) {
        self.firstSlot = firstSlot
    }

    /// Parses `-device` options and creates the device with a simulated backend.
    @discardableResult
    package func add(commandLine: String) throws -> VFIODevice {
        try add(VFIODeviceSpec.parse(commandLine))
    }

    /// Creates a device in the lowest free slot; `backend` defaults to a simulated one.
    @discardableResult
    package func add(_ spec: VFIODeviceSpec, backend: (any VFIOMigrationBackend)? = nil) throws -> VFIODevice {
        try rows.withLockedValue { rows in
            guard !rows.contains(where: { $0.device.id == spec.id }) else {
                throw VFIOError("Duplicate ID '\(spec.id)' for device")
            }
            let used = Set(rows.map(\.device.pciSlot))
            guard let slot = (firstSlot...Self.lastSlot).first(where: { !used.contains($0) }) else {
                throw VFIOError("PCI: no slot/function available for \(VFIODevice.typeName), all in use or reserved")
            }
            let device = VFIODevice(spec: spec, pciSlot: slot, backend: backend, transferStats: transferStats)
            rows.append(Row(device: device, handler: VFIOSaveStateHandler(device: device)))
            return device
        }
    }

    /// Unplugs the device with `id` (`device_del`): the device, its handler and its slot go together. Returns
    /// the device, or nil when there is none.
    @discardableResult
    package func remove(id: String) -> VFIODevice? {
        rows.withLockedValue { rows in
            guard let index = rows.firstIndex(where: { $0.device.id == id }) else { return nil }
            return rows.remove(at: index).device
        }
    }

    /// Every row, in creation order.
    var all: [Row] { rows.withLockedValue { $0 } }

    /// Every device, in creation order.
    package var devices: [VFIODevice] { all.map(\.device) }

    /// The migration handler of every device, in creation order: what the host gives the engine after RAM.
    package var saveStateHandlers: [any SaveStateHandler] { all.map(\.handler) }

    /// The device with `id`.
    package func device(id: String) -> VFIODevice? {
        devices.first { $0.id == id }
    }

    /// The device at a QOM path: the full `/machine/peripheral/ID` or a partial path (`ID`).
    package func device(qomPath path: String) -> VFIODevice? {
        devices.first { $0.qomPath == path || $0.id == path || $0.qomPath.hasSuffix("/" + path) }
    }

    /// The device owning a migration section (for dispatching device-state packets).
    package func device(idstr: String, instanceID: UInt32) -> VFIODevice? {
        devices.first { $0.idstr == idstr && $0.instanceID == instanceID }
    }
}

extension DeviceTable {
    /// A VM run-state change for every device, in QEMU's order: the prepare step (P2P states) for all devices
    /// first, then the change for all. Call it when the VM stops (`finishMigrate` for a migration's switchover)
    /// and when it starts (`cont`, a failed or cancelled outgoing migration, an incoming one that completed).
    /// Failures are recorded on the handlers (they fail a running outgoing migration) and returned.
    @discardableResult
    package func vmStateChange(running: Bool, finishMigrate: Bool = false) -> [VFIOError] {
        let handlers = all.map(\.handler)
        let prepared = handlers.compactMap { $0.vmStateChangePrepare() }
        return prepared + handlers.compactMap { $0.vmStateChange(running: running, finishMigrate: finishMigrate) }
    }

    /// `query-migrate`'s `vfio.transferred` for `info`, the engine's reply: the bytes every device sent in the
    /// current or last outgoing migration (data only on the main channel; 12-byte packet headers + data on
    /// multifd), or nil where QEMU leaves `vfio` out: no VFIO device, or an info without RAM statistics (QEMU
    /// fills both in the same states: source side, active to completed).
    package func vfioTransferred(for info: MigrationInfo) -> UInt64? {
        guard !devices.isEmpty, info.ram != nil else { return nil }
        return transferStats.transferred
    }
}
