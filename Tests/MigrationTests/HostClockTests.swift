import Glibc
import POSIXSupport
import Synchronization
import Testing

/// `HostClock.threadUnqueuedNanoseconds`, the clock precopy bursts are timed with: it leaves out the time a thread
/// waits for a CPU, so a busy host does not make a device look slow.
@Suite struct HostClockTests {
    @Test func unqueuedTimeLeavesOutTheWaitForACPU() throws {
        let stop = Atomic<Bool>(false)
        let measured = Atomic<UInt64>(0)
        // Twice as many spinning threads as CPUs, plus the measuring one: each gets a CPU about a third of the time.
        let spinners = try (0..<2 * max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1)).map { _ in
            try DedicatedThread.spawn { while !stop.load(ordering: .relaxed) {} }
        }
        let measuring = try DedicatedThread.spawn {
            let wallStart = HostClock.monotonicNanoseconds()
            let unqueuedStart = HostClock.threadUnqueuedNanoseconds()
            while HostClock.monotonicNanoseconds() - wallStart < 400_000_000 {}
            let unqueuedEnd = HostClock.threadUnqueuedNanoseconds()
            let unqueued = unqueuedEnd > unqueuedStart ? unqueuedEnd - unqueuedStart : 0
            measured.store(unqueued * 1000 / (HostClock.monotonicNanoseconds() - wallStart), ordering: .relaxed)
        }
        measuring.join()
        stop.store(true, ordering: .relaxed)
        for spinner in spinners { spinner.join() }
        // Per mille of the wall time: about 330 when the CPUs are shared fairly, 1000 if the wait were counted.
        #expect(measured.load(ordering: .relaxed) < 800, "unqueued time was \(measured.load(ordering: .relaxed))‰ of wall time")
    }
}
