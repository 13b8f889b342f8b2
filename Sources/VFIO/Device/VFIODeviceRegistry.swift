import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// The VFIO devices of one machine: creation from `-device` options, PCI slot allocation,
/// lookup by id, QOM path or section idstr, and the machine-wide `transferred` counter.
public final class VFIODeviceRegistry: Sendable {
    /// The default first slot: 0000:00:05.0 for the first device, as in the reference's example.
    public static let defaultFirstSlot: UInt8 = 5
    /// The highest slot on bus 0.
    public static let lastSlot: UInt8 = 31

    private struct Guarded {
        var devices: [VFIODevice] = []
        var handlers: [VFIOSaveStateHandler] = []
        var nextSlot: UInt8
    }

    private let guarded: NIOLockedValueBox<Guarded>
    /// Bytes of VFIO state sent by all devices (the `vfio.transferred` of query-migrate).
    public let transferStats = VFIOTransferStats()

    /// An empty machine whose first device gets `firstSlot`.
    public init(firstSlot: UInt8 = defaultFirstSlot) {
        guarded = NIOLockedValueBox(Guarded(nextSlot: firstSlot))
    }

    /// Parses `-device` options and creates the device with a simulated backend.
    @discardableResult
    public func add(commandLine: String) throws -> VFIODevice {
        try add(VFIODeviceSpec.parse(commandLine))
    }

    /// Creates a device in the next free slot; `backend` defaults to a simulated one.
    @discardableResult
    public func add(_ spec: VFIODeviceSpec, backend: (any VFIOMigrationBackend)? = nil) throws -> VFIODevice {
        try guarded.withLockedValue { guarded in
            guard !guarded.devices.contains(where: { $0.id == spec.id }) else {
                throw VFIOError("Duplicate ID '\(spec.id)' for device")
            }
            guard guarded.nextSlot <= Self.lastSlot else {
                throw VFIOError("PCI: no slot/function available for \(VFIODevice.typeName), all in use or reserved")
            }
            let device = VFIODevice(spec: spec, pciSlot: guarded.nextSlot, backend: backend, transferStats: transferStats)
            guarded.nextSlot += 1
            guarded.devices.append(device)
            guarded.handlers.append(VFIOSaveStateHandler(device: device))
            return device
        }
    }

    /// Removes the first device matching `predicate`.
    func removeDevice(where predicate: (VFIODevice) -> Bool) -> VFIODevice? {
        guarded.withLockedValue { guarded in
            guard let index = guarded.devices.firstIndex(where: predicate) else { return nil }
            return guarded.devices.remove(at: index)
        }
    }

    /// Every device, in creation order.
    public var devices: [VFIODevice] { guarded.withLockedValue { $0.devices } }

    /// The migration handler of every device, in creation order (one per device, created with it and kept for
    /// every migration): what the host returns as its `saveHandlers` after RAM.
    public var saveStateHandlers: [VFIOSaveStateHandler] { guarded.withLockedValue { $0.handlers } }

    /// The device with `id`.
    public func device(id: String) -> VFIODevice? {
        devices.first { $0.id == id }
    }

    /// The device at a QOM path: the full `/machine/peripheral/ID` or a partial path (`ID`).
    public func device(qomPath path: String) -> VFIODevice? {
        devices.first { $0.qomPath == path || $0.id == path || $0.qomPath.hasSuffix("/" + path) }
    }

    /// The device owning a migration section (for dispatching device-state packets).
    public func device(idstr: String, instanceID: UInt32) -> VFIODevice? {
        devices.first { $0.idstr == idstr && $0.instanceID == instanceID }
    }
}

extension VFIODeviceRegistry {
    /// Unplugs the device with `id` (`device_del`); returns it, or nil when there is none.
    @discardableResult
    public func remove(id: String) -> VFIODevice? {
        removeDevice { $0.id == id }
    }
}
