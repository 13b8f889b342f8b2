import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// A generic pool of OS threads, modelled on QEMU's generic `ThreadPool` (util/thread-pool.c).
///
/// - `submit` queues a job; at most `maxThreads` jobs run at once (default 1).
/// - `submitImmediate` queues a job and raises the thread limit to the outstanding work count, so every queued job
///   runs in parallel on its own thread (QEMU's `thread_pool_submit_immediate`).
/// - `wait` is a barrier: it returns when no job is queued or running; the pool stays usable afterwards.
/// - A job that throws records its error in `errors` (first error wins); return values are otherwise ignored.
/// - `abort` fires `cancellation`: jobs that wait on it wake at once, long-running ones poll `isAborted`; it does
///   not interrupt them.
/// - `join` waits for the work and for every worker thread to have exited: no thread outlives the pool's owner.
package final class ThreadPool: Sendable {
    /// A unit of work.
    package typealias Job = @Sendable () throws -> Void

    private struct State {
        var queue: [(name: String?, job: Job)] = []
        var head = 0
        var running = 0
        var executing = 0
        var work = 0
        var maxThreads: Int
        var waiters = 0
    }

    private let state: NIOLockedValueBox<State>
    private let idle = Semaphore()
    private let workers = ThreadGroup()
    private let name: String
    private let cpuTime: CPUTimeAccumulator?

    /// The first error thrown by a job (or recorded by anyone sharing the slot).
    package let errors: ErrorSlot

    /// Fired by `abort`; jobs blocked in a wait that names it wake at once.
    package let cancellation = Cancellation()

    /// Creates a pool with a thread limit (at least 1), an optional shared error slot and the name its threads
    /// carry (see `DedicatedThread.spawn`).
    package init(maxThreads: Int = 1, errors: ErrorSlot = ErrorSlot(), name: String = "pool",
                cpuTime: CPUTimeAccumulator? = nil) {
        state = NIOLockedValueBox(State(maxThreads: max(1, maxThreads)))
        self.errors = errors
        self.name = name
        self.cpuTime = cpuTime
    }

    /// Queues `job`; a worker thread starts if fewer than `maxThreads` run. With a `name`, the thread carries it
    /// while it runs the job.
    package func submit(name: String? = nil, _ job: @escaping Job) {
        let spawn = state.withLockedValue { s -> Bool in
            s.queue.append((name, job))
            s.work += 1
            return reserveWorker(&s)
        }
        if spawn {
            startWorker()
        }
    }

    /// Queues `job` and raises the thread limit to the outstanding work count, so it starts at once. With a
    /// `name`, the thread carries it while it runs the job.
    package func submitImmediate(name: String? = nil, _ job: @escaping Job) {
        let spawn = state.withLockedValue { s -> Int in
            s.queue.append((name, job))
            s.work += 1
            s.maxThreads = max(s.maxThreads, s.work)
            var count = 0
            while reserveWorker(&s) {
                count += 1
            }
            return count
        }
        for _ in 0..<spawn {
            startWorker()
        }
    }

    /// Changes the thread limit (values below 1 mean 1).
    package func setMaxThreads(_ count: Int) {
        let spawn = state.withLockedValue { s -> Int in
            s.maxThreads = max(1, count)
            var started = 0
            while reserveWorker(&s) {
                started += 1
            }
            return started
        }
        for _ in 0..<spawn {
            startWorker()
        }
    }

    /// Blocks until every submitted job has finished.
    package func wait() {
        let mustWait = state.withLockedValue { s -> Bool in
            guard s.work > 0 else { return false }
            s.waiters += 1
            return true
        }
        if mustWait {
            idle.wait()
        }
    }

    /// Blocks until every submitted job has finished and every worker thread has exited.
    package func join() {
        wait()
        workers.join()
    }

    /// Fires `cancellation`, which jobs wait on or poll (`isAborted`).
    package func abort() {
        cancellation.cancel()
    }

    /// True once `abort` was called.
    package var isAborted: Bool {
        cancellation.isCancelled
    }

    /// Number of jobs queued or running.
    package var outstandingWork: Int {
        state.withLockedValue { $0.work }
    }

    /// Reserves a new worker when queued jobs outnumber the workers about to take one and the limit allows.
    private func reserveWorker(_ s: inout State) -> Bool {
        let queued = s.queue.count - s.head
        let takingSoon = s.running - s.executing
        guard queued > takingSoon, s.running < s.maxThreads else { return false }
        s.running += 1
        return true
    }

    /// Starts a worker thread; when the system refuses one, the caller's thread does the work instead.
    private func startWorker() {
        do {
            try workers.spawn(name: name, cpuTime: cpuTime) { [self] in
                workerLoop()
            }
        } catch {
            workerLoop()
        }
    }

    private func workerLoop() {
        while let (jobName, job) = nextJob() {
            if let jobName { DedicatedThread.setCurrentName(jobName) }
            do {
                try job()
            } catch {
                errors.record(error)
            }
            // A job may have named its thread itself.
            DedicatedThread.setCurrentName(name)
            finishJob()
        }
    }

    private func nextJob() -> (name: String?, job: Job)? {
        state.withLockedValue { s -> (name: String?, job: Job)? in
            guard s.head < s.queue.count else {
                s.running -= 1
                return nil
            }
            let job = s.queue[s.head]
            s.head += 1
            s.executing += 1
            if s.head == s.queue.count {
                s.queue.removeAll(keepingCapacity: true)
                s.head = 0
            }
            return job
        }
    }

    private func finishJob() {
        let wake = state.withLockedValue { s -> Int in
            s.work -= 1
            s.executing -= 1
            guard s.work == 0 else { return 0 }
            defer { s.waiters = 0 }
            return s.waiters
        }
        idle.post(count: wake)
    }
}
