import Synchronization

/// A migration status with compare-and-set transitions (QEMU's `migrate_set_state(old, new)`); every change
/// queues a `MIGRATION` event in order and logs one line (info).
final class StatusCell: Sendable {
    private let value: Mutex<MigrationStatus>
    private let events: EventDispatcher
    /// "outgoing" or "incoming", for the log.
    private let role: String

    init(_ initial: MigrationStatus, events: EventDispatcher, role: String) {
        value = Mutex(initial)
        self.events = events
        self.role = role
    }

    var current: MigrationStatus {
        value.withLock { $0 }
    }

    /// Moves to `next` if the status is one of `from`; returns whether it did.
    @discardableResult
    func transition(from: Set<MigrationStatus>, to next: MigrationStatus) -> Bool {
        let previous = value.withLock { status -> MigrationStatus? in
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
