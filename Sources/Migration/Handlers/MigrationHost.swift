// What the engine asks of the VM it migrates: the host (`MigrationHost`: run-state changes at QEMU's moments, guest
// RAM, the handlers of the rest of the state), each handler (`SaveStateHandler`, QEMU's `SaveVMHandlers`: RAM is
// one, each VFIO device another), and what a handler is called with (`SaveContext` and `SaveThreadContext` on the
// source, `LoadStream` and `LoadContext` on the destination).

import POSIXSupport

/// The VM side of the engine, implemented by the daemon: it owns the run state (running, paused, postmigrate,
/// inmigrate) and emits `STOP`/`RESUME`. The engine calls these methods from its own threads (migration thread,
/// main load thread) at the moments QEMU changes the run state; implementations must be thread-safe and must not
/// call back into the engine synchronously from them.
public protocol MigrationHost: AnyObject, Sendable {
    /// Guest RAM.
    var memory: GuestMemory { get }
    /// Handlers of the state to migrate besides RAM (the machine type's sections, VFIO devices). Read once per
    /// migration.
    var saveHandlers: [any SaveStateHandler] { get }
    /// The VM's UUID (QEMU `-uuid`, 16 bytes; all zero when unset), sent in every multifd hello and checked by
    /// the destination against its own.
    var uuid: [UInt8] { get }
    /// Whose stream this VM speaks: vmig's (with its extras) or QEMU's for a QEMU-compatible machine type.
    var dialect: StreamDialect { get }
    /// Whether the guest runs now (false when paused or not started: it dirties no RAM and no device state, so a
    /// source waiting for a shorter switchover waits in vain).
    var guestIsRunning: Bool { get }

    /// Source, at `migrate`, before the migration thread starts (the status is about to become `setup`): forget
    /// what an earlier migration left in per-migration figures (device progress), so none of it shows in the new one.
    func outgoingStarting()
    /// Source, at switchover: stop the VM (pause the guest workload, `STOP` if it was running). Returns once no
    /// guest write can happen any more.
    func stopForSwitchover()
    /// Source, after `stopForSwitchover`, when the migration failed or was cancelled: run the VM again if it ran
    /// before (QEMU restarts it when its old state was running).
    func resumeAfterFailedOutgoing()
    /// Source, after success: the VM is now `postmigrate`.
    func outgoingCompleted()
    /// Source, with `auto-converge`: slow the guest's vCPUs down by `percentage` % (0 lifts the throttle; the
    /// engine lifts it when the migration ends, however it ends).
    func setGuestThrottle(percentage: Int)
    /// Destination: the main channel arrived; loading starts (the VM stays `inmigrate`).
    func incomingStarted()
    /// Destination: everything is loaded; start the VM (`RESUME`) unless it was started paused. The engine takes
    /// the end of the downtime when this returns.
    func incomingCompleted()
    /// Destination: loading failed (the VM stays stopped; the daemon keeps serving).
    func incomingFailed(_ error: MigrationError)
}

extension MigrationHost {
    /// No devices.
    public var saveHandlers: [any SaveStateHandler] { [] }
    /// vmig's stream.
    public var dialect: StreamDialect { .vmig }
    /// A guest that runs.
    public var guestIsRunning: Bool { true }
    /// No UUID: 16 zero bytes.
    public var uuid: [UInt8] { [UInt8](repeating: 0, count: 16) }
    /// No vCPUs to throttle.
    public func setGuestThrottle(percentage: Int) {}
    /// Nothing to do.
    public func outgoingStarting() {}
    /// Nothing to do.
    public func incomingStarted() {}
    /// Nothing to do.
    public func incomingFailed(_ error: MigrationError) {}
}

/// Kind of a section record on the main stream.
public enum SectionKind: UInt8, Sendable {
    /// `QEMU_VM_SECTION_START`: setup data of an iterable handler.
    case start = 0x01
    /// `QEMU_VM_SECTION_PART`: one precopy iteration.
    case part = 0x02
    /// `QEMU_VM_SECTION_END`: completion data (VM stopped).
    case end = 0x03
    /// `QEMU_VM_SECTION_FULL`: the whole state of a non-iterable handler.
    case full = 0x04
}

/// A participant in migration, modelled on QEMU's `SaveVMHandlers`: guest RAM is one (built in),
/// each VFIO device is another. The engine calls the source methods on the migration thread, except
/// `saveCompleteThread`, which runs on a pool thread of its own at switchover; it calls the destination methods on
/// the main load thread, except `loadStateBuffer`, which multifd receive threads call.
///
/// Every method has a default (do nothing / nothing pending), so a handler implements only what it needs.
/// Section payloads carry no length: a handler must read back exactly what it wrote, and must bound every length
/// it reads before allocating.
public protocol SaveStateHandler: AnyObject, Sendable {
    /// Section name, e.g. `ram` or `0000:00:05.0/vfio` (at most 255 bytes).
    var idstr: String { get }
    /// Instance id (0 unless several instances share an idstr).
    var instanceID: UInt32 { get }
    /// Section version; the destination refuses a higher one than its own.
    var versionID: UInt32 { get }
    /// Iterable handlers get START/PART/END sections; the others one FULL section after the END sections.
    var isIterable: Bool { get }
    /// Whether the handler also writes a FULL section (`saveState`) after the END sections; by default exactly the
    /// non-iterable handlers do. An iterable handler with a FULL section (VFIO: its config) uses the same section
    /// id for both.
    var hasSaveState: Bool { get }
    /// The VMSD the FULL section's payload follows, for the vmdesc trailer; nil describes the payload as one
    /// `data` buffer (vmig's devices).
    var vmStateLayout: VMStateLayout? { get }

    // MARK: Source

    /// Writes the START section payload (migration setup).
    func saveSetup(_ context: SaveContext) throws
    /// Cheap estimate of the bytes still to send (QEMU's `state_pending_estimate`).
    func pendingEstimate() -> UInt64
    /// Exact bytes still to send; may sync dirty state (QEMU's `state_pending_exact`).
    func pendingExact() -> UInt64
    /// Whether this precopy iteration should include the handler (QEMU's `is_active_iterate`); an inactive
    /// iterable handler gets no PART section this time.
    var isActiveIterate: Bool { get }
    /// Writes one PART section payload; should respect `context.rateLimitExceeded`.
    func saveIterate(_ context: SaveContext) throws
    /// What the handler will still move once the VM stops, for the downtime model; nil when it has nothing of
    /// its own to report (RAM is modelled by the engine). Called on the migration thread after `pendingExact`.
    func switchoverCost() -> SwitchoverCost?
    /// True if `saveCompleteThread` must run at switchover.
    var hasSaveCompleteThread: Bool { get }
    /// Runs on its own pool thread at switchover, in parallel with the END sections; typically queues
    /// device state with `context.multifd?.queueDeviceState(...)`. Must poll `context.isAborted`.
    func saveCompleteThread(_ context: SaveThreadContext) throws
    /// Writes the END section payload (VM stopped).
    func saveComplete(_ context: SaveContext) throws
    /// Writes the FULL section payload (VM stopped) of a handler with `hasSaveState`.
    func saveState(_ context: SaveContext) throws
    /// Releases source resources (success, failure or cancel).
    func saveCleanup()
    /// Tells the handler how the migration ended, after `saveCleanup` / `loadCleanup` and, on a failed or
    /// cancelled source, after the host restarted the VM (QEMU's precopy notifiers). Called on both ends.
    func migrationFinished(_ outcome: MigrationOutcome)

    // MARK: Destination

    /// Prepares for loading (before the first section is read).
    func loadSetup(_ context: LoadContext) throws
    /// Reads one section payload of `kind` written by a source of section version `version`.
    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws
    /// True if the handler accepts multifd device-state packets.
    var hasLoadStateBuffer: Bool { get }
    /// Takes one device-state packet payload (called concurrently from multifd receive threads).
    func loadStateBuffer(_ data: [UInt8]) throws
    /// Takes one device-state packet payload of `size` bytes straight off the channel: the handler passes `read`
    /// storage of exactly `size` bytes to fill (a buffer it may recycle). What the engine calls; by default it
    /// reads into a new array and calls `loadStateBuffer(_: [UInt8])`.
    func loadStateBuffer(size: Int, read: (UnsafeMutableRawBufferPointer) throws -> Void) throws
    /// True if the source must wait for this handler's `LoadContext.approveSwitchover()` (`switchover-ack`).
    var switchoverAckNeeded: Bool { get }
    /// Called when `MIG_CMD_SWITCHOVER_START` arrives (source VM stopped); may start load threads.
    func switchoverStart() throws
    /// Called after EOF; blocks until everything of this handler is loaded.
    func loadComplete() throws
    /// Releases destination resources (success or failure).
    func loadCleanup()
}

/// Defaults: instance 0, version 1, non-iterable, nothing pending, no threads, no ack, every step a no-op.
extension SaveStateHandler {
    package var instanceID: UInt32 { 0 }
    package var versionID: UInt32 { 1 }
    package var isIterable: Bool { false }
    package var hasSaveState: Bool { !isIterable }
    package var vmStateLayout: VMStateLayout? { nil }
    package var isActiveIterate: Bool { true }
    package func saveSetup(_ context: SaveContext) throws {}
    package func pendingEstimate() -> UInt64 { 0 }
    package func pendingExact() -> UInt64 { pendingEstimate() }
    package func switchoverCost() -> SwitchoverCost? { nil }
    package func saveIterate(_ context: SaveContext) throws {}
    package var hasSaveCompleteThread: Bool { false }
    package func saveCompleteThread(_ context: SaveThreadContext) throws {}
    package func saveComplete(_ context: SaveContext) throws {}
    package func saveState(_ context: SaveContext) throws {}
    package func saveCleanup() {}
    package func migrationFinished(_ outcome: MigrationOutcome) {}
    package func loadSetup(_ context: LoadContext) throws {}
    package func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {}
    package var hasLoadStateBuffer: Bool { false }
    package func loadStateBuffer(_ data: [UInt8]) throws {}
    package func loadStateBuffer(size: Int, read: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        let data = try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            try read(UnsafeMutableRawBufferPointer(buffer))
            initialized = size
        }
        try loadStateBuffer(data)
    }
    package var switchoverAckNeeded: Bool { false }
    package func switchoverStart() throws {}
    package func loadComplete() throws {}
    package func loadCleanup() {}
}

/// What a handler's source methods may use on the migration thread: the main stream (section payload), the
/// multifd send path, and the rate limit.
public final class SaveContext {
    let writer: MainStreamWriter
    private let rateCheck: () -> Bool
    private let saveThreadsJoin: () throws -> Void

    /// The multifd send path, nil when the `multifd` capability is off.
    package let multifd: MultiFDSender?
    /// Capabilities, parameters and engine properties of this migration.
    package let setup: MigrationSetupInfo

    init(writer: MainStreamWriter, multifd: MultiFDSender?, setup: MigrationSetupInfo,
         rateLimitExceeded: @escaping () -> Bool, joinSaveThreads: @escaping () throws -> Void = {}) {
        self.writer = writer
        self.multifd = multifd
        self.setup = setup
        rateCheck = rateLimitExceeded
        saveThreadsJoin = joinSaveThreads
    }

    /// Waits for every `saveCompleteThread` of the switchover and throws the first error of any of them (RAM calls
    /// it before its final multifd SYNC, so that the SYNC follows all device state on every channel).
    func joinSaveThreads() throws {
        try saveThreadsJoin()
    }

    /// True when this 100 ms window's `max-bandwidth` budget is used up: stop iterating and return.
    package var rateLimitExceeded: Bool { rateCheck() }

    /// Appends a byte to the section payload.
    package func put8(_ value: UInt8) throws { try writer.put8(value) }
    /// Appends a big-endian 16-bit integer.
    package func put16(_ value: UInt16) throws { try writer.put16(value) }
    /// Appends a big-endian 32-bit integer.
    package func put32(_ value: UInt32) throws { try writer.put32(value) }
    /// Appends a big-endian 64-bit integer.
    package func put64(_ value: UInt64) throws { try writer.put64(value) }
    /// Appends bytes.
    package func putBytes(_ bytes: [UInt8]) throws { try writer.putBytes(bytes) }
    /// Appends bytes.
    package func putBytes(_ bytes: UnsafeRawBufferPointer) throws { try writer.putBytes(bytes) }
}

/// What `saveCompleteThread` may use on its pool thread.
public struct SaveThreadContext: Sendable {
    private let pool: ThreadPool

    /// The multifd send path (shared, thread-safe), nil when `multifd` is off.
    package let multifd: MultiFDSender?

    init(pool: ThreadPool, multifd: MultiFDSender?) {
        self.pool = pool
        self.multifd = multifd
    }

    /// True once the migration thread gave up (another thread failed or the migration was cancelled).
    package var isAborted: Bool { pool.isAborted || (multifd?.hasFailed ?? false) }
}

/// Reads one section payload on the destination; every variable-length read is bounded by the caller.
public final class LoadStream {
    let reader: MainStreamReader

    init(reader: MainStreamReader) {
        self.reader = reader
    }

    /// Reads a byte.
    package func get8() throws -> UInt8 { try reader.get8() }
    /// Reads a big-endian 16-bit integer.
    package func get16() throws -> UInt16 { try reader.get16() }
    /// Reads a big-endian 32-bit integer.
    package func get32() throws -> UInt32 { try reader.get32() }
    /// Reads a big-endian 64-bit integer.
    package func get64() throws -> UInt64 { try reader.get64() }
    /// Reads `count` bytes after checking `count <= limit`.
    package func getBytes(_ count: Int, limit: Int) throws -> [UInt8] {
        try reader.getBytes(count, limit: limit, what: "section payload")
    }
    /// Fills `buffer` completely from the stream (the caller bounds its size).
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try reader.read(into: base, count: buffer.count)
    }
}

/// What a handler's destination methods may use.
public final class LoadContext: Sendable {
    private let pool: ThreadPool
    private let approve: @Sendable () -> Void
    private let loadThreadFailed: @Sendable (any Error) -> Void

    /// True when the `multifd` capability is on (device state may arrive through `loadStateBuffer`).
    package let multifdEnabled: Bool
    /// Capabilities, parameters and engine properties of this migration (the destination's own settings, which
    /// the source's configuration record was checked against).
    package let setup: MigrationSetupInfo

    init(pool: ThreadPool, multifdEnabled: Bool, setup: MigrationSetupInfo, approve: @escaping @Sendable () -> Void,
         loadThreadFailed: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.pool = pool
        self.multifdEnabled = multifdEnabled
        self.setup = setup
        self.approve = approve
        self.loadThreadFailed = loadThreadFailed
    }

    /// Starts a load thread on the incoming pool at once; the engine waits for all of them after EOF, before the
    /// VM resumes. A thrown error fails the migration at once (the channels are closed then, not at EOF). The
    /// thread carries `name` while it runs the job.
    package func submitLoadThread(name: String, _ job: @escaping ThreadPool.Job) {
        let failed = loadThreadFailed
        pool.submitImmediate(name: name) {
            do {
                try job()
            } catch {
                failed(error)
                throw error
            }
        }
    }

    /// True once the load is failing or finished: load threads must stop.
    package var isAborted: Bool { pool.isAborted }

    /// Fires when the load is failing or finished: a load thread's waits name it, so it wakes at once.
    package var cancellation: Cancellation { pool.cancellation }

    /// Records a failure from any thread (first error wins); it fails the migration.
    package func fail(_ error: MigrationError) {
        pool.errors.record(error)
    }

    /// Tells the source this handler is ready for switchover (`switchover-ack`); call once.
    package func approveSwitchover() {
        approve()
    }
}
