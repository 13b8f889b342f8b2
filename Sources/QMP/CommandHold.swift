import NIOCore
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Holds clients' commands while a migration's switchover runs (the source VM stopped, downtime counting), so the
/// monitor does not take CPU from it, as QEMU's big lock does: QEMU's monitor cannot run a command while the
/// migration thread holds that lock to save the devices. Unlike QEMU, the commands that steer or watch the
/// migration (``exempt``) still run, and a hold ends by itself after a bound, so a stalled switchover cannot keep
/// the monitor from answering.
final class CommandHold: Sendable {
    private struct State {
        var holding = false
        var exempt: Set<String> = []
        /// Counts holds, so a time limit set for one hold cannot end a later one.
        var generation = 0
        var waiters: [@Sendable () -> Void] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Starts holding every command but `exempt` ones, until ``release()`` or `limit` later (on `loop`).
    func hold(exempting exempt: Set<String>, atMost limit: TimeAmount, on loop: any EventLoop) {
        let generation = state.withLockedValue { state -> Int in
            state.holding = true
            state.exempt = exempt
            state.generation += 1
            return state.generation
        }
        loop.scheduleTask(in: limit) { [self] in release(generation: generation) }
    }

    /// Ends the hold: every waiting client runs its queue again.
    func release() {
        release(generation: nil)
    }

    private func release(generation: Int?) {
        let waiters = state.withLockedValue { state -> [@Sendable () -> Void] in
            guard state.holding, generation == nil || generation == state.generation else { return [] }
            state.holding = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for wake in waiters { wake() }
    }

    /// Whether `command` must wait; if so, `wake` runs (on the releasing thread) once the hold ends.
    func defers(_ command: String, wake: @escaping @Sendable () -> Void) -> Bool {
        state.withLockedValue { state in
            guard state.holding, !state.exempt.contains(command) else { return false }
            state.waiters.append(wake)
            return true
        }
    }
}
