import Migration
import VFIO

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
