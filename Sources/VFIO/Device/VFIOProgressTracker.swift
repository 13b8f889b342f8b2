import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A device's migration counters plus a rate-limited progress callback: at most one report
/// per `interval` (100 ms), and an unconditional final one.
final class VFIOProgressTracker: Sendable {
    /// Minimum time between two rate-limited reports.
    static let interval: UInt64 = 100_000_000

    private struct Guarded {
        var progress: VFIOMigrationProgress
        var handler: (@Sendable (VFIOMigrationProgress) -> Void)?
        var lastReport: UInt64?
    }

    private let guarded: NIOLockedValueBox<Guarded>

    /// Counters at zero.
    init(deviceID: String, state: VFIODeviceState) {
        guarded = NIOLockedValueBox(Guarded(progress: VFIOMigrationProgress(deviceID: deviceID, state: state)))
    }

    /// The current counters.
    var snapshot: VFIOMigrationProgress { guarded.withLockedValue { $0.progress } }

    /// The clock reading the last report was made at (the one the rate limit compares against), nil before any.
    var lastReportTime: UInt64? { guarded.withLockedValue { $0.lastReport } }

    /// Installs (or removes) the callback.
    func setHandler(_ handler: (@Sendable (VFIOMigrationProgress) -> Void)?) {
        guarded.withLockedValue { $0.handler = handler }
    }

    /// Changes the counters; reports them if the last report is at least `interval` old.
    /// Call it with no lock held: the callback runs on this thread.
    func update(_ change: (inout VFIOMigrationProgress) -> Void) {
        record(change)
        reportIfDue()
    }

    /// Changes the counters without reporting (safe while holding other locks).
    func record(_ change: (inout VFIOMigrationProgress) -> Void) {
        guarded.withLockedValue { change(&$0.progress) }
    }

    /// Reports the counters if the last report is at least `interval` older than `now` (no lock held).
    /// Another thread may have reported after this caller read the clock: a report newer than `now` is recent.
    func reportIfDue(now: UInt64 = HostClock.monotonicNanoseconds()) {
        let report = guarded.withLockedValue { guarded -> (VFIOMigrationProgress, @Sendable (VFIOMigrationProgress) -> Void)? in
            guard let handler = guarded.handler else { return nil }
            if let last = guarded.lastReport, now < last || now - last < Self.interval { return nil }
            guarded.lastReport = now
            return (guarded.progress, handler)
        }
        if let (progress, handler) = report { handler(progress) }
    }

    /// Changes the counters and reports them regardless of the rate limit (the final report).
    func finish(_ change: (inout VFIOMigrationProgress) -> Void) {
        let report = guarded.withLockedValue { guarded -> (VFIOMigrationProgress, (@Sendable (VFIOMigrationProgress) -> Void)?) in
            change(&guarded.progress)
            guarded.lastReport = HostClock.monotonicNanoseconds()
            return (guarded.progress, guarded.handler)
        }
        report.1?(report.0)
    }

    /// Zeroes the counters and forgets the mode and phase, as before any migration.
    func clear(state: VFIODeviceState) {
        guarded.withLockedValue { guarded in
            guarded.progress = VFIOMigrationProgress(deviceID: guarded.progress.deviceID, state: state)
            guarded.lastReport = nil
        }
    }

    /// Zeroes the counters for a new migration, keeping the device id and state.
    func restart(mode: VFIOTransferMode, state: VFIODeviceState) {
        guarded.withLockedValue { guarded in
            guarded.progress = VFIOMigrationProgress(deviceID: guarded.progress.deviceID, state: state)
            guarded.progress.mode = mode
            guarded.progress.phase = .setup
            guarded.lastReport = nil
        }
    }
}
