/// What one migration learned that the next one in this process starts from: the link estimate and the fixed part
/// of the downtime (stopping, the completion handshake, resuming). Device rates are the devices' own to keep.
public struct ConvergenceHistory: Sendable, Equatable {
    /// The fixed part assumed before any migration completed (ms).
    package static let initialOverheadMilliseconds: UInt64 = 10
    /// The largest fixed part learned (ms): a migration that took far longer than predicted says more about the
    /// model's inputs than about the fixed part.
    package static let maximumOverheadMilliseconds: UInt64 = 100

    /// The latest link estimate.
    package var link = LinkCapacity()
    /// What the channels carried during the last completed switchover (the most saturated stretch a migration
    /// has): a floor for the next estimate.
    package var switchoverLink = LinkCapacity()
    /// The learned fixed part (ms).
    package var overheadMilliseconds = Self.initialOverheadMilliseconds

    /// Nothing learned yet.
    package init() {}

    /// Learns from a completed migration whose decision predicted `prediction` and whose downtime was `measured` ms:
    /// the fixed part moves halfway towards what the measurement leaves after the variable terms. Only a
    /// prediction whose device rates were all observed teaches anything.
    mutating func learn(prediction: DowntimePrediction, measured: UInt64) {
        guard prediction.ratesObserved else { return }
        let variable = prediction.milliseconds &- prediction.overheadMilliseconds
        let residual = measured > variable ? min(measured - variable, Self.maximumOverheadMilliseconds) : 0
        overheadMilliseconds = (overheadMilliseconds + residual + 1) / 2
    }
}
