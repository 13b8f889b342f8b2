import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A one-shot latch that async code can wait on and any thread can trigger.
package final class ShutdownSignal: Sendable {
    /// An untriggered latch.
    package init() {}

    private let state = NIOLockedValueBox<(fired: Bool, failure: Bool, waiters: [CheckedContinuation<Void, Never>])>(
        (false, false, []))

    /// True when the first trigger was a failure: the process then exits with status 1.
    package var isFailure: Bool { state.withLockedValue { $0.failure } }

    /// Fires the latch; `failure` counts only when it is the first trigger (a failure during a requested shutdown
    /// does not change how the process exits).
    package func trigger(failure: Bool = false) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            if !state.fired { state.failure = failure }
            state.fired = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether ``trigger()`` has run.
    package var isTriggered: Bool {
        state.withLockedValue { $0.fired }
    }

    /// Returns once the latch has fired.
    package func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
