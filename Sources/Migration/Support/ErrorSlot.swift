import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Records the first error of a group of threads; later errors are dropped (QEMU's `migrate_set_error`).
public final class ErrorSlot: Sendable {
    private let slot = NIOLockedValueBox<MigrationError?>(nil)

    /// Creates an empty slot.
    public init() {}

    /// Stores `error` unless an error is already recorded. Returns true when this error was stored.
    @discardableResult
    public func record(_ error: any Error) -> Bool {
        let wrapped = MigrationError.wrap(error)
        return slot.withLockedValue { current in
            guard current == nil else { return false }
            current = wrapped
            return true
        }
    }

    /// The recorded error, if any.
    public var error: MigrationError? {
        slot.withLockedValue { $0 }
    }

    /// True once an error is recorded.
    public var hasError: Bool {
        error != nil
    }

    /// Throws the recorded error, if any.
    public func check() throws {
        if let error {
            throw error
        }
    }
}
