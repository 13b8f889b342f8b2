import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A migration status with compare-and-set transitions (QEMU's `migrate_set_state(old, new)`); every change
/// queues a `MIGRATION` event in order and logs one line (info).
final class StatusCell: Sendable {
    private let value: NIOLockedValueBox<MigrationStatus>
    private let events: EventDispatcher
    /// "outgoing" or "incoming", for the log.
    private let role: String

    init(_ initial: MigrationStatus, events: EventDispatcher, role: String) {
        value = NIOLockedValueBox(initial)
        self.events = events
        self.role = role
    }

    var current: MigrationStatus {
        value.withLockedValue { $0 }
    }

    /// Moves to `next` if the status is one of `from`; returns whether it did.
    @discardableResult
    func transition(from: Set<MigrationStatus>, to next: MigrationStatus) -> Bool {
        let previous = value.withLockedValue { status -> MigrationStatus? in
            guard from.contains(status), status != next else { return nil }
            defer { status = next }
            events.enqueue(.status(next))
            return status
        }
        events.drain()
        if let previous {
            migrationLog.info("\(role) migration: \(previous.name) -> \(next.name)")
        }
        return previous != nil
    }

    /// Moves from exactly `from` to `next`.
    @discardableResult
    func transition(from: MigrationStatus, to next: MigrationStatus) -> Bool {
        transition(from: [from], to: next)
    }
}
