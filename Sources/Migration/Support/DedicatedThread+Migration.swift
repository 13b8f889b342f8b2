import POSIXSupport

extension DedicatedThread {
    /// Starts `body` on a new thread named `name` for the migration. When `cpuTime` is given, the thread's CPU
    /// time is added to it when the body returns. Throws QEMU's kind of error when the system cannot create
    /// another thread.
    static func spawn(
        name: String, cpuTime: CPUTimeAccumulator?, _ body: @escaping @Sendable () -> Void
    ) throws(MigrationError) -> DedicatedThread {
        try startCounted(name: name, cpuTime: cpuTime, body) { wrapped throws(ThreadSpawnError) in
            try spawn(name: name, wrapped)
        }
    }
}

extension ThreadGroup {
    /// `DedicatedThread.spawn(name:cpuTime:_:)` for a thread of this group (joined by `join()`).
    func spawn(name: String, cpuTime: CPUTimeAccumulator?, _ body: @escaping @Sendable () -> Void) throws(MigrationError) {
        try startCounted(name: name, cpuTime: cpuTime, body) { wrapped throws(ThreadSpawnError) in
            try spawn(name: name, wrapped)
        }
    }
}

/// Starts `body` through `start`, counting its thread's CPU time in `cpuTime`; a refusal becomes QEMU's error text.
private func startCounted<R>(
    name: String, cpuTime: CPUTimeAccumulator?, _ body: @escaping @Sendable () -> Void,
    using start: (@escaping @Sendable () -> Void) throws(ThreadSpawnError) -> R
) throws(MigrationError) -> R {
    do {
        return try start {
            body()
            cpuTime?.threadEnded(nanoseconds: HostClock.threadCPUNanoseconds())
        }
    } catch {
        throw MigrationError("Cannot create thread '\(name)': \(error)")
    }
}
