import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Records the first error of a group of threads; later errors are dropped (QEMU's `migrate_set_error`).
package final class ErrorSlot: Sendable {
    private let slot = NIOLockedValueBox<MigrationError?>(nil)
    private let firstError: Cancellation?

    /// Creates an empty slot; `firstError`, when given, fires once an error is recorded (waking the group's
    /// waiters).
    package init(firing firstError: Cancellation? = nil) {
        self.firstError = firstError
    }

    /// Stores `error` unless an error is already recorded. Returns true when this error was stored.
    @discardableResult
    package func record(_ error: any Error) -> Bool {
        let wrapped = MigrationError.wrap(error)
        let stored = slot.withLockedValue { current in
            guard current == nil else { return false }
            current = wrapped
            return true
        }
        if stored { firstError?.cancel() }
        return stored
    }

    /// The recorded error, if any.
    package var error: MigrationError? {
        slot.withLockedValue { $0 }
    }

    /// True once an error is recorded.
    package var hasError: Bool {
        error != nil
    }

    /// Throws the recorded error, if any.
    package func check() throws {
        if let error {
            throw error
        }
    }
}
