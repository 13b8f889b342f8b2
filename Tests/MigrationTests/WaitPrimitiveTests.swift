import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization
import Testing

/// The wait primitives of POSIXSupport: a cancellation wakes every waiter at once, timed waits time out, threads
/// carry their names, and a thread group joins what it started.
@Suite struct WaitPrimitiveTests {
    /// Generous: only a missing wake-up would take this long.
    static let hang = Duration.seconds(30)

    @Test("one cancel wakes every thread blocked on semaphores and conditions")
    func cancelWakesEveryWaiter() throws {
        let cancellation = Cancellation()
        let semaphores = (0..<4).map { _ in Semaphore() }
        let mutex = PThreadMutex()
        let condition = PThreadCondition()
        let woken = Semaphore()
        let acquired = Atomic<Int>(0)
        var threads: [DedicatedThread] = []
        for semaphore in semaphores {
            threads.append(try DedicatedThread.spawn {
                if semaphore.wait(unlessCancelled: cancellation) { acquired.add(1, ordering: .relaxed) }
                woken.post()
            })
        }
        threads.append(try DedicatedThread.spawn {
            mutex.withLock {
                while !cancellation.isCancelled { _ = condition.wait(mutex, unlessCancelled: cancellation) }
            }
            woken.post()
        })
        #expect(cancellation.cancel())
        #expect(!cancellation.cancel(), "only the first cancel acts")
        for _ in threads {
            #expect(woken.wait(timeout: Self.hang))
        }
        threads.forEach { $0.join() }
        #expect(acquired.load(ordering: .relaxed) == 0)
    }

    @Test("a cancelled wait returns false even when the semaphore was posted")
    func cancellationWins() {
        let cancellation = Cancellation()
        let semaphore = Semaphore(value: 1)
        cancellation.cancel()
        #expect(!semaphore.wait(unlessCancelled: cancellation))
        #expect(semaphore.tryWait(), "the count was not taken")
    }

    @Test("a posted semaphore wakes a waiter; an unposted one times out")
    func timedWait() throws {
        let semaphore = Semaphore()
        #expect(!semaphore.wait(timeout: .milliseconds(20)))
        let poster = try DedicatedThread.spawn { semaphore.post() }
        #expect(semaphore.wait(timeout: Self.hang))
        poster.join()
        semaphore.post(count: 3)
        #expect(semaphore.wait(unlessCancelled: Cancellation(), timeout: .zero))
        #expect(semaphore.tryWait() && semaphore.tryWait() && !semaphore.tryWait())
    }

    @Test("a thread carries its name, cut to Linux's 15 bytes")
    func threadNames() throws {
        let names = NIOLockedValueBox<[String]>([])
        for name in ["live_migration", "multifdsend_123456", "vfio_save/gpu0"] {
            try DedicatedThread.spawn(name: name) {
                let comm = TextFile.read("/proc/thread-self/comm") ?? "?"
                names.withLockedValue { $0.append(comm.hasSuffix("\n") ? String(comm.dropLast()) : comm) }
            }.join()
        }
        #expect(names.withLockedValue { $0 } == ["live_migration", "multifdsend_123", "vfio_save/gpu0"])
    }

    @Test("a thread group joins every thread it started")
    func threadGroupJoins() throws {
        let group = ThreadGroup()
        let release = Semaphore()
        let ended = Atomic<Int>(0)
        for index in 0..<3 {
            try group.spawn(name: "member_\(index)") {
                release.wait()
                ended.add(1, ordering: .relaxed)
            }
        }
        #expect(group.count == 3)
        release.post(count: 3)
        group.join()
        #expect(ended.load(ordering: .relaxed) == 3)
        #expect(group.count == 0)
    }
}
