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
