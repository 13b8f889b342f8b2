import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// How fast this device was seen to deliver its state, kept across the migrations of this process, for the
/// engine's downtime model (real hardware does not report its rates, so they are learned, never configured):
///
/// - the read rate: the best that the device sustained in its last few precopy bursts (`VFIOPrecopyBurst`: chunks
///   read back to back before any is written, the first few left out). The best, not an average: a burst can only
///   come out slower than the device (the host's other work, the destination competing for memory bandwidth), and
///   such a low sample, once the device has no precopy data left to sample, would otherwise stand until the
///   switchover;
/// - the stop-copy rate: the whole last stop-copy, from entering STOP_COPY until the last packet was handed over,
///   which also folds in the link's share and the destination's pace at that time.
///
/// The device's own rate is the lower of the two that are known.
package final class VFIORateObserver: Sendable {
    /// Stop-copies smaller than this say nothing about a rate.
    static let minimumStopCopyBytes: UInt64 = 1 << 20
    /// Bursts whose rates are kept.
    static let keptBursts = 8

    private struct State {
        var burstRates: [Double] = []
        var stopCopyRate: Double?
    }

    private let state = NIOLockedValueBox(State())

    /// Nothing observed yet.
    package init() {}

    /// Adds `bytes` read back to back in `nanoseconds`.
    package func recordRead(bytes: Int, nanoseconds: UInt64) {
        guard bytes > 0, nanoseconds > 0 else { return }
        let rate = Double(bytes) / Double(nanoseconds) * 1e9
        state.withLockedValue { state in
            state.burstRates.append(rate)
            if state.burstRates.count > Self.keptBursts { state.burstRates.removeFirst() }
        }
    }

    /// Records a whole stop-copy of `bytes` that took `nanoseconds`.
    package func recordStopCopy(bytes: UInt64, nanoseconds: UInt64) {
        guard bytes >= Self.minimumStopCopyBytes, nanoseconds > 0 else { return }
        state.withLockedValue { $0.stopCopyRate = Double(bytes) / Double(nanoseconds) * 1e9 }
    }

    /// Bytes per second of the best recent burst, nil before any.
    package var readRate: Double? {
        state.withLockedValue { $0.burstRates.max() }
    }

    /// Bytes per second of the last stop-copy, nil before one.
    package var stopCopyRate: Double? {
        state.withLockedValue { $0.stopCopyRate }
    }

    /// The rate the device itself delivers at: the lower of the known rates, nil when none is known.
    package var ownRate: Double? {
        switch (readRate, stopCopyRate) {
        case (let read?, let stopCopy?): min(read, stopCopy)
        case (let read?, nil): read
        case (nil, let stopCopy): stopCopy
        }
    }
}
