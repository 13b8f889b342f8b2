import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// A guest "vCPU" thread that dirties random pages of guest RAM at a fixed rate (`--dirty-rate BYTES/s`).
///
/// Each dirtied page counts as one page size of dirty bytes: the thread writes a fresh 64-bit word at a random
/// position of a random page, then marks the page in the dirty log. `pause()` returns only once the thread is
/// parked, so no guest write happens after it (the VM is stopped); `resume()` lets it go on.
package final class GuestWorkload: Sendable {
    private struct State {
        var paused = false
        var stopping = false
        var started = false
        var parked = false
    }

    private let memory: GuestMemory
    private let bytesPerSecond: UInt64
    private let seed: UInt64
    private let state = NIOLockedValueBox(State())
    private let parkedSignal = Semaphore()
    private let resumeSignal = Semaphore()
    private let thread = NIOLockedValueBox<DedicatedThread?>(nil)
    private let dirtiedPages = Atomic<UInt64>(0)
    private let throttle = Atomic<Int>(0)

    /// Creates a workload for `memory` at `bytesPerSecond` (0 = idle guest).
    package init(memory: GuestMemory, bytesPerSecond: UInt64, seed: UInt64 = 0x5EED) {
        self.memory = memory
        self.bytesPerSecond = bytesPerSecond
        self.seed = seed
    }

    /// Starts the thread (running unless `pause()` was called before). Does nothing when already started.
    package func start() throws {
        let first = state.withLockedValue { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        do {
            let spawned = try DedicatedThread.spawn(name: "vcpu-workload", cpuTime: nil) { [self] in run() }
            thread.withLockedValue { $0 = spawned }
        } catch {
            state.withLockedValue { $0.started = false }
            throw error
        }
    }

    /// Stops guest writes; returns when the thread is parked.
    package func pause() {
        let mustWait = state.withLockedValue { s -> Bool in
            let wasRunning = !s.paused && s.started && !s.stopping
            s.paused = true
            return wasRunning
        }
        if mustWait {
            parkedSignal.wait()
        }
    }

    /// Lets guest writes go on after `pause()`.
    package func resume() {
        let wake = state.withLockedValue { s -> Bool in
            guard s.paused else { return false }
            s.paused = false
            defer { s.parked = false }
            return s.parked
        }
        if wake {
            resumeSignal.post()
        }
    }

    /// Ends the thread and waits for it.
    package func stop() {
        state.withLockedValue { $0.stopping = true }
        resumeSignal.post()
        let running = thread.withLockedValue { $0 }
        running?.join()
    }

    /// True while paused.
    package var isPaused: Bool {
        state.withLockedValue { $0.paused }
    }

    /// Throttles the guest as QEMU's `auto-converge` throttles vCPUs: at `percentage` % the vCPU sleeps that share
    /// of its time, so the dirty rate falls to (100 − `percentage`) % of `--dirty-rate`. 0 lifts the throttle.
    package func setThrottle(percentage: Int) {
        throttle.store(min(max(percentage, 0), 100), ordering: .relaxed)
    }

    /// The throttle in force (%).
    package var throttlePercentage: Int {
        throttle.load(ordering: .relaxed)
    }

    /// Pages dirtied so far.
    package var pagesDirtied: UInt64 {
        dirtiedPages.load(ordering: .relaxed)
    }

    private enum Step { case stop, park, work }

    private func nextStep() -> Step {
        state.withLockedValue { s -> Step in
            if s.stopping { return .stop }
            if s.paused {
                s.parked = true
                return .park
            }
            return .work
        }
    }

    private func run() {
        var generator = seed | 1
        var last = HostClock.monotonicNanoseconds()
        var carry: UInt64 = 0
        while true {
            switch nextStep() {
            case .stop:
                return
            case .park:
                parkedSignal.post()
                resumeSignal.wait()
                last = HostClock.monotonicNanoseconds()
            case .work:
                HostClock.sleep(for: .milliseconds(2))
                let now = HostClock.monotonicNanoseconds()
                let running = UInt64(100 - throttle.load(ordering: .relaxed))
                let elapsed = min(now - last, 1_000_000_000) * running / 100
                carry += (1_000_000_000 as UInt64).dividingFullWidth(bytesPerSecond.multipliedFullWidth(by: elapsed)).quotient
                last = now
                let pages = carry / UInt64(GuestMemory.pageSize)
                carry -= pages * UInt64(GuestMemory.pageSize)
                dirty(pages: Int(min(pages, UInt64(memory.pageCount))), generator: &generator)
            }
        }
    }

    private func dirty(pages: Int, generator: inout UInt64) {
        for _ in 0..<pages {
            generator ^= generator << 13
            generator ^= generator >> 7
            generator ^= generator << 17
            let page = Int(generator % UInt64(memory.pageCount))
            memory.write(word: generator, page: page, wordIndex: Int(generator >> 55))
        }
        dirtiedPages.wrappingAdd(UInt64(pages), ordering: .relaxed)
    }
}
