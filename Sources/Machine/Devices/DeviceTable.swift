// The machine's VFIO devices and how each is plugged into the migration engine: `DeviceTable` (one row per device
// with its handler: plug, unplug, lookup, run-state changes for all, `vfio.transferred`) and `VFIOSaveStateHandler`
// (the engine's `SaveStateHandler` calls mapped to the device's steps of the same QEMU names, with the adapters
// between the engine's streams and errors and the device's).

import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import POSIXSupport
import QEMUFormats
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

/// Plugs one `VFIODevice` into the migration engine (QEMU's `savevm_vfio_handlers`): every `SaveStateHandler`
/// call goes to the device method of the same QEMU name, with the engine's main stream, multifd send path and
/// load-thread pool adapted to the device's interfaces.
///
/// One handler per device, created with it in the machine's `DeviceTable` and reused by every
/// migration: each setup starts from a clean per-migration state. The section is `<pci address>/vfio`, instance
/// 0, version 1; the handler is iterable (precopy data, STOP_COPY data in main-channel mode) and also writes a
/// FULL section (the config in main-channel mode, a dummy END_OF_STATE in multifd mode).
///
/// VM run-state changes reach the device through `vmStateChangePrepare()` / `vmStateChange(running:finishMigrate:)`
/// (the machine calls `DeviceTable.vmStateChange` for all devices); a failure there fails
/// a running outgoing migration at its next step, as QEMU's `migration_file_set_error` does.
final class VFIOSaveStateHandler: SaveStateHandler {
    /// The device this handler migrates.
    let device: VFIODevice

    /// Per-migration state shared by the engine's threads.
    struct MigrationState {
        /// The destination's context, from `loadSetup` to `loadCleanup`.
        var loadContext: LoadContext?
        /// Whether `switchoverStart` submitted the load thread.
        var loadThreadStarted = false
        /// A failed VM run-state change, to fail the outgoing migration with.
        var vmStateError: VFIOError?
    }

    let state = NIOLockedValueBox(MigrationState())

    /// A handler for `device`.
    init(device: VFIODevice) {
        self.device = device
    }

    /// `<pci address>/vfio`.
    var idstr: String { device.idstr }
    /// The device's instance id (0 unless assigned otherwise).
    var instanceID: UInt32 { device.instanceID }
    /// VFIO sections are version 1.
    var versionID: UInt32 { 1 }
    /// VFIO has precopy iterations and a completion step.
    var isIterable: Bool { true }
    /// VFIO also writes a FULL section (`vfio_save_state`).
    var hasSaveState: Bool { true }

    // MARK: VM run state

    /// The VM is about to stop or start (`vfio_vmstate_change_prepare`). A failure (the device was then reset, as
    /// in QEMU) is returned and recorded for the running outgoing migration.
    @discardableResult
    func vmStateChangePrepare() -> VFIOError? {
        record { try device.vmStateChangePrepare() }
    }

    /// The VM stopped or started (`vfio_vmstate_change`); `finishMigrate` when the stop is a migration's
    /// switchover. A failure is returned and recorded for the running outgoing migration.
    @discardableResult
    func vmStateChange(running: Bool, finishMigrate: Bool) -> VFIOError? {
        record { try device.vmStateChange(running: running, finishMigrate: finishMigrate) }
    }

    /// The recorded run-state failure, if any (cleared at the next save setup).
    var vmStateError: VFIOError? { state.withLockedValue { $0.vmStateError } }

    private func record(_ body: () throws -> Void) -> VFIOError? {
        do {
            try body()
            return nil
        } catch {
            let failure = error as? VFIOError ?? VFIOError("\(device.name): \(error)")
            state.withLockedValue { if $0.vmStateError == nil { $0.vmStateError = failure } }
            return failure
        }
    }

    /// Throws a recorded run-state failure as the migration's error.
    func checkVMState() throws {
        if let failure = vmStateError { throw MigrationError(failure.message) }
    }

    // MARK: Source

    /// `save_setup`: resets the machine's `vfio.transferred` (a new migration starts; every device's setup runs
    /// before any device sends data), resolves the transfer mode and writes the START payload.
    func saveSetup(_ context: SaveContext) throws {
        device.transferStats.reset()
        state.withLockedValue { $0.vmStateError = nil }
        var writer = SaveContextWriter(context: context)
        try VFIOErrorBridge.run { try device.saveSetup(VFIOMigrationSetup(context.setup), to: &writer) }
        if let size = device.multifdPacketSize {
            context.multifd?.prepareDeviceStateBuffers(count: Self.preparedPacketBuffers, size: size)
        }
    }

    /// Packet buffers each multifd-mode device maps at setup: one being filled while the channels send others.
    static let preparedPacketBuffers = 4

    /// `state_pending_estimate`.
    func pendingEstimate() -> UInt64 { device.pendingEstimate() }

    /// `state_pending_exact`.
    func pendingExact() -> UInt64 { device.pendingExact() }

    /// The device's stop-copy size and observed rate, for the engine's downtime model.
    func switchoverCost() -> SwitchoverCost? {
        let cost = device.switchoverCost
        return SwitchoverCost(name: device.name, bytes: cost.bytes, rate: cost.rate, parallel: cost.parallel)
    }

    /// `is_active_iterate`: only while the device is in a precopy state.
    var isActiveIterate: Bool { device.isActiveIterate }

    /// `save_live_iterate`: one PART payload.
    func saveIterate(_ context: SaveContext) throws {
        var writer = SaveContextWriter(context: context)
        try VFIOErrorBridge.run { try device.saveIterate(to: &writer) }
    }

    /// A save thread at switchover (a no-op in main-channel mode).
    var hasSaveCompleteThread: Bool { true }

    /// `save_complete_precopy_thread`: STOP_COPY data and config as device-state packets on multifd.
    func saveCompleteThread(_ context: SaveThreadContext) throws {
        DedicatedThread.setCurrentName("vfio_save/\(device.id)")
        try checkVMState()
        let multifd = context.multifd
        try VFIOErrorBridge.run {
            try device.saveCompletePrecopyThread(
                sendPackets: { idstr, instanceID, payload in
                    guard let multifd else { throw VFIOError("multifd: the send path is not set up") }
                    try multifd.queueDeviceState(idstr: idstr, instanceID: instanceID, payload: payload)
                },
                buffers: { multifd?.takeDeviceStateBuffer() ?? [] },
                isAborted: { context.isAborted })
        }
    }

    /// `save_live_complete_precopy`: the END payload (all STOP_COPY data in main-channel mode).
    func saveComplete(_ context: SaveContext) throws {
        try checkVMState()
        var writer = SaveContextWriter(context: context)
        try VFIOErrorBridge.run { try device.saveCompletePrecopy(to: &writer) }
    }

    /// `save_state`: the FULL payload.
    func saveState(_ context: SaveContext) throws {
        var writer = SaveContextWriter(context: context)
        try VFIOErrorBridge.run { try device.saveState(to: &writer) }
    }

    /// `save_cleanup`.
    func saveCleanup() {
        device.saveCleanup()
    }

    /// The migration's outcome (QEMU's precopy notifier): a failed or cancelled source device runs again.
    func migrationFinished(_ outcome: MigrationOutcome) {
        switch outcome {
        case .completed: device.migrationFinished(.completed)
        case .failed: device.migrationFinished(.failed)
        case .cancelled: device.migrationFinished(.cancelled)
        }
    }
}

extension VFIOSaveStateHandler {
    /// `load_setup`: resolves the transfer mode from the destination's settings and moves the device to RESUMING.
    func loadSetup(_ context: LoadContext) throws {
        state.withLockedValue {
            $0.loadContext = context
            $0.loadThreadStarted = false
        }
        try VFIOErrorBridge.run { try device.loadSetup(VFIOMigrationSetup(context.setup)) }
    }

    /// `load_state`: one START, PART, END or FULL payload; INIT_DATA_SENT approves switchover.
    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        let context = state.withLockedValue { $0.loadContext }
        var reader = LoadStreamReader(stream: stream)
        try VFIOErrorBridge.run {
            try device.loadState(from: &reader, approveSwitchover: { context?.approveSwitchover() })
        }
    }

    /// Device-state packets are accepted (and refused by the device outside multifd mode, with QEMU's text).
    var hasLoadStateBuffer: Bool { true }

    /// `load_state_buffer`, on a multifd receive thread.
    func loadStateBuffer(_ data: [UInt8]) throws {
        try VFIOErrorBridge.run { try data.withUnsafeBytes { try device.loadStateBuffer($0) } }
    }

    /// `load_state_buffer` reading the packet straight into the device's reorder buffer (no copy).
    func loadStateBuffer(size: Int, read: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        try VFIOErrorBridge.run { try device.loadStateBuffer(size: size, read: read) }
    }

    /// `switchover_ack_needed`: devices with PRE_COPY.
    var switchoverAckNeeded: Bool { device.switchoverAckNeeded }

    /// `switchover_start`: in multifd mode, starts the device's load thread on the engine's incoming pool. Its
    /// failure is recorded in the pool's error slot and fails the migration before the VM resumes.
    func switchoverStart() throws {
        guard let context = state.withLockedValue({ $0.loadContext }) else { return }
        guard device.switchoverStart() else { return }
        state.withLockedValue { $0.loadThreadStarted = true }
        context.submitLoadThread(name: "vfio_load/\(device.id)") { [device] in
            try VFIOErrorBridge.run { try device.runLoadThread(cancellation: context.cancellation) }
        }
    }

    /// Called after EOF, once the engine waited for every load thread: a multifd-mode device must have had one
    /// (else its STOP_COPY data was never loaded).
    func loadComplete() throws {
        guard device.multifdTransferEnabled, !state.withLockedValue({ $0.loadThreadStarted }) else { return }
        throw MigrationError("\(device.name): device state was not loaded: no SWITCHOVER_START was received")
    }

    /// `load_cleanup`: stops a load thread still running and drops queued buffers.
    func loadCleanup() {
        device.loadCleanup()
        state.withLockedValue { $0.loadContext = nil }
    }
}

/// Turns the VFIO module's errors into the engine's at the handler boundary, keeping exactly QEMU's message
/// (the `detail` of a `VFIOError` is diagnostics QEMU would print separately, not part of `error-desc`).
enum VFIOErrorBridge {
    /// Runs `body`, rethrowing a `VFIOError` as a `MigrationError` with the same message.
    static func run<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as VFIOError {
            throw MigrationError(error.message)
        }
    }
}

/// Writes a VFIO section payload into the engine's main stream through a `SaveContext`.
struct SaveContextWriter: BigEndianWriter {
    /// The section being written.
    let context: SaveContext

    /// Appends `bytes` to the section payload.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try context.putBytes(bytes)
    }
}

/// Reads a VFIO section payload from the engine's main stream through a `LoadStream`.
struct LoadStreamReader: BigEndianReader {
    /// The section being read.
    let stream: LoadStream

    /// Fills `buffer` from the stream; throws at its end.
    func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
        try stream.read(into: buffer)
    }
}

extension VFIOMigrationSetup {
    /// The support snapshot of a migration as the engine describes it: capabilities `multifd`, `mapped-ram` and
    /// `switchover-ack`, parameter `multifd-compression`, property `send-switchover-start`.
    init(_ info: MigrationSetupInfo) {
        self.init(
            multifd: info.multifd, mappedRAM: info.mappedRAM, multifdCompression: info.multifdCompression,
            sendSwitchoverStart: info.sendSwitchoverStart, switchoverAck: info.switchoverAck)
    }
}
