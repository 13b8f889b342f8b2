import Foundation
import Migration
import Testing

/// Guest RAM: fills, digest, dirty log, workload.
struct GuestMemoryTests {
    @Test func digestFollowsContent() throws {
        let a = try GuestMemory(size: 8 << 20, fill: .random(seed: 1))
        let b = try GuestMemory(size: 8 << 20, fill: .random(seed: 1))
        let c = try GuestMemory(size: 8 << 20, fill: .random(seed: 2))
        #expect(a.digest() == b.digest())
        #expect(a.digest() != c.digest())
        #expect(a.digest().count == 16)
        b.write(word: 1, page: 100, wordIndex: 3)
        #expect(a.digest() != b.digest())
        let big1 = try GuestMemory(size: 80 << 20, fill: .pattern)
        let big2 = try GuestMemory(size: 80 << 20, fill: .pattern)
        #expect(big1.digest() == big2.digest())
    }

    @Test func fillsAndZeroPages() throws {
        let zero = try GuestMemory(size: 1 << 20, fill: .zero)
        #expect((0..<zero.pageCount).allSatisfy { zero.isZeroPage($0) })
        let pattern = try GuestMemory(size: 1 << 20, fill: .pattern)
        #expect(pattern.isZeroPage(3) && !pattern.isZeroPage(0) && !pattern.isZeroPage(4))
        #expect(pattern.read(page: 5, wordIndex: 2) == 0x5A00_0000_0005_0002)
        #expect(throws: (any Error).self) { try GuestMemory(size: 1000) }
        #expect(GuestMemory.parseSize("1G") == 1 << 30)
        #expect(GuestMemory.parseSize("512") == 512 << 20)
        #expect(GuestMemory.parseSize("64M") == 64 << 20)
        #expect(GuestMemory.parseSize("x") == nil)
    }

    @Test func dirtyLogReadsAndClears() throws {
        let memory = try GuestMemory(size: 1 << 20, fill: .zero)
        #expect(memory.dirtyLog.count() == 0)
        memory.write(word: 9, page: 0, wordIndex: 0)
        memory.write(word: 9, page: 65, wordIndex: 0)
        memory.write(word: 9, page: 65, wordIndex: 1)
        #expect(memory.dirtyLog.count() == 2)
        #expect(memory.dirtyLog.take(word: 0) == 1)
        #expect(memory.dirtyLog.take(word: 1) == 2)
        #expect(memory.dirtyLog.take(word: 1) == 0)
        #expect(memory.dirtyLog.count() == 0)
    }

    @Test func workloadDirtiesAtItsRateAndPauses() throws {
        let memory = try GuestMemory(size: 64 << 20, fill: .zero)
        let workload = GuestWorkload(memory: memory, bytesPerSecond: 40 << 20)
        try workload.start()
        usleep(250_000)
        workload.pause()
        let dirtied = workload.pagesDirtied
        // 40 MiB/s for ~0.25 s = ~2560 pages; allow wide scheduling noise.
        #expect(dirtied > 1000 && dirtied < 5000)
        usleep(50_000)
        #expect(workload.pagesDirtied == dirtied)
        #expect(workload.isPaused)
        workload.resume()
        usleep(50_000)
        #expect(workload.pagesDirtied > dirtied)
        workload.stop()
    }
}
