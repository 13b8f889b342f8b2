import Glibc
import JSON
import struct NIOConcurrencyHelpers.NIOLock
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Fans events out to every negotiated client of every QMP socket.
///
/// `emit` may be called from any thread (the migration engine's threads included); it encodes the event once
/// and hands the bytes to each client's event loop, so it never waits on a client. Each client bounds what it
/// holds unsent (see ``QMPServer/Configuration/maxUnsentBytes``).
package final class QMPEventHub: Sendable {
    /// Delivers the bytes of one event line to one client; must not block, nor emit (it runs under the hub's emission
    /// lock).
    typealias Deliver = @Sendable ([UInt8]) -> Void

    /// Checks an event against the schema; returns why it does not conform, or nil.
    package typealias Validator = @Sendable (String, JSONObject?) -> String?

    private let subscribers = NIOLockedValueBox<[ObjectIdentifier: Deliver]>([:])
    private let emission = NIOLock()
    private let observers = NIOLockedValueBox<[@Sendable (String, JSONObject?) -> Void]>([])
    private let validator: Validator?

    /// Creates a hub; with a `validator`, every emitted event is checked against the schema. A violation is a
    /// programming error: debug builds stop on it (so tests catch it), release builds report it on stderr.
    package init(validator: Validator? = nil) {
        self.validator = validator
    }

    /// Sends `{"event": name, "data": data, "timestamp": …}` to every negotiated client.
    package func emit(_ name: String, data: JSONObject? = nil) {
        if let validator, let problem = validator(name, data) {
            Self.reportSchemaViolation("event \(name) violates the schema: \(problem)")
        }
        for observer in observers.withLockedValue({ $0 }) { observer(name, data) }
        // One emission at a time, encoded and handed to every client before the next: events emitted at once by
        // two threads then reach every client in the same order, with timestamps in that order (QEMU's monitor
        // lock does the same). The subscriber list has a lock of its own, so a delivery that drops its client
        // (and unsubscribes it) does not take a lock its thread already holds.
        emission.withLock {
            let bytes = QMPMessage.event(name, data: data)
            for deliver in subscribers.withLockedValue({ Array($0.values) }) { deliver(bytes) }
        }
    }

    /// Registers an in-process observer called synchronously for every event (used by tests and the schema check).
    package func observe(_ observer: @escaping @Sendable (String, JSONObject?) -> Void) {
        observers.withLockedValue { $0.append(observer) }
    }

    /// Number of clients currently receiving events.
    package var subscriberCount: Int { subscribers.withLockedValue { $0.count } }

    private static func reportSchemaViolation(_ message: String) {
        #if DEBUG
            preconditionFailure(message)
        #else
            let line = Array("vmigd: BUG: \(message)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        #endif
    }

    func subscribe(_ key: ObjectIdentifier, deliver: @escaping Deliver) {
        subscribers.withLockedValue { $0[key] = deliver }
    }

    func unsubscribe(_ key: ObjectIdentifier) {
        _ = subscribers.withLockedValue { $0.removeValue(forKey: key) }
    }
}
