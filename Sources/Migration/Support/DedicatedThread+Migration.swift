import POSIXSupport

extension DedicatedThread {
    /// Starts `body` on a new thread for the migration. `name` documents the thread's role at the call site and
    /// names it in the error (glibc's `pthread_setname_np` is not importable without `_GNU_SOURCE`). When
    /// `cpuTime` is given, the thread's CPU time is added to it when the body returns.
    /// Throws QEMU's kind of error when the system cannot create another thread.
    static func spawn(
        name: String, cpuTime: CPUTimeAccumulator? = nil, _ body: @escaping @Sendable () -> Void
    ) throws(MigrationError) -> DedicatedThread {
        cpuTime?.threadStarted()
        do {
            return try spawn {
                body()
                cpuTime?.threadEnded(nanoseconds: Clock.threadCPUNanoseconds())
            }
        } catch {
            cpuTime?.threadEnded(nanoseconds: 0)
            throw MigrationError("Cannot create thread '\(name)': \(error)")
        }
    }
}
