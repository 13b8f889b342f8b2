import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A migration status with compare-and-set transitions (QEMU's `migrate_set_state(old, new)`); every change
/// queues a `MIGRATION` event in order.
final class StatusCell: Sendable {
    private let value: NIOLockedValueBox<MigrationStatus>
    private let events: EventDispatcher

    init(_ initial: MigrationStatus, events: EventDispatcher) {
        value = NIOLockedValueBox(initial)
        self.events = events
    }

    var current: MigrationStatus {
        value.withLockedValue { $0 }
    }

    /// Moves to `next` if the status is one of `from`; returns whether it did.
    @discardableResult
    func transition(from: Set<MigrationStatus>, to next: MigrationStatus) -> Bool {
        let changed = value.withLockedValue { status -> Bool in
            guard from.contains(status), status != next else { return false }
            status = next
            events.enqueue(.status(next))
            return true
        }
        events.drain()
        return changed
    }

    /// Moves from exactly `from` to `next`.
    @discardableResult
    func transition(from: MigrationStatus, to next: MigrationStatus) -> Bool {
        transition(from: [from], to: next)
    }
}
