import POSIXSupport

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
