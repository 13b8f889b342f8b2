import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// Delivers engine events to the daemon's callback in the order they happened, never while an engine lock is
/// held, and only while the `events` capability is on. Events posted while another thread is delivering are
/// delivered by that thread, so a callback that re-enters the engine cannot deadlock.
final class EventDispatcher: Sendable {
    private struct State {
        var queue: [MigrationEvent] = []
        var delivering = false
        var handler: (@Sendable (MigrationEvent) -> Void)?
    }

    private let state = NIOLockedValueBox(State())
    /// Mirrors the `events` capability (read without taking the capability lock).
    let enabled = Atomic<Bool>(false)

    func setHandler(_ handler: (@Sendable (MigrationEvent) -> Void)?) {
        state.withLockedValue { $0.handler = handler }
    }

    /// Queues `event` if events are on; safe to call while holding another lock (it only appends).
    func enqueue(_ event: MigrationEvent) {
        guard enabled.load(ordering: .relaxed) else { return }
        state.withLockedValue { $0.queue.append(event) }
    }

    /// Delivers queued events unless another thread already is.
    func drain() {
        let owner = state.withLockedValue { s -> Bool in
            guard !s.delivering, !s.queue.isEmpty else { return false }
            s.delivering = true
            return true
        }
        guard owner else { return }
        while let (events, handler) = nextBatch() {
            for event in events {
                handler?(event)
            }
        }
    }

    /// Takes the queued events, or ends delivery when none is left (atomically with the check).
    private func nextBatch() -> ([MigrationEvent], (@Sendable (MigrationEvent) -> Void)?)? {
        state.withLockedValue { s in
            guard !s.queue.isEmpty else {
                s.delivering = false
                return nil
            }
            defer { s.queue.removeAll() }
            return (s.queue, s.handler)
        }
    }

    /// Queues and delivers one event.
    func emit(_ event: MigrationEvent) {
        enqueue(event)
        drain()
    }
}
