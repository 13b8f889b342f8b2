import Foundation
import Migration
import Synchronization
import Testing

/// QEMU generic thread-pool semantics.
struct ThreadPoolTests {
    @Test func submitRunsEveryJobWithinTheThreadLimit() {
        let pool = ThreadPool(maxThreads: 1)
        let running = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        for _ in 0..<20 {
            pool.submit {
                let now = running.wrappingAdd(1, ordering: .relaxed).newValue
                _ = peak.max(now, ordering: .relaxed)
                usleep(500)
                running.wrappingSubtract(1, ordering: .relaxed)
                done.wrappingAdd(1, ordering: .relaxed)
            }
        }
        pool.wait()
        let doneValue = done.load(ordering: .relaxed)
        #expect(doneValue == 20)
        let peakValue = peak.load(ordering: .relaxed)
        #expect(peakValue == 1)
        #expect(pool.outstandingWork == 0)
    }

    @Test func submitImmediateRunsAllJobsInParallel() {
        let pool = ThreadPool()
        let arrived = Atomic<Int>(0)
        let allMet = Atomic<Int>(0)
        for _ in 0..<4 {
            pool.submitImmediate {
                arrived.wrappingAdd(1, ordering: .relaxed)
                // Every job waits for the others: only possible when all four run at once.
                let deadline = Date().addingTimeInterval(10)
                while arrived.load(ordering: .relaxed) < 4 && Date() < deadline { usleep(100) }
                if arrived.load(ordering: .relaxed) == 4 { allMet.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        pool.wait()
        let allMetValue = allMet.load(ordering: .relaxed)
        #expect(allMetValue == 4)
    }

    @Test func waitIsAReusableBarrier() {
        let pool = ThreadPool(maxThreads: 2)
        let count = Atomic<Int>(0)
        for round in 1...3 {
            for _ in 0..<5 { pool.submit { usleep(200); count.wrappingAdd(1, ordering: .relaxed) } }
            pool.wait()
            let countValue = count.load(ordering: .relaxed)
            #expect(countValue == 5 * round)
        }
        pool.wait()
    }

    @Test func firstErrorWinsAndAbortIsVisible() {
        let pool = ThreadPool(maxThreads: 1)
        pool.submit { throw MigrationError("first") }
        pool.submit { throw MigrationError("second") }
        pool.wait()
        #expect(pool.errors.error == MigrationError("first"))
        let sawAbort = Atomic<Bool>(false)
        pool.abort()
        pool.submit { [pool] in sawAbort.store(pool.isAborted, ordering: .relaxed) }
        pool.wait()
        let sawAbortValue = sawAbort.load(ordering: .relaxed)
        #expect(sawAbortValue)
    }

    @Test func errorSlotKeepsTheFirstError() {
        let slot = ErrorSlot()
        #expect(slot.record(MigrationError("a")))
        #expect(!slot.record(MigrationError("b")))
        #expect(slot.error?.message == "a")
        #expect(throws: MigrationError("a")) { try slot.check() }
    }
}
