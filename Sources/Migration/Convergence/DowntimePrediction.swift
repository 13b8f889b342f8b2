/// The engine's prediction of the downtime if the VM stopped now, term by term, and what keeps it above
/// `downtime-limit` when it does not fit.
public struct DowntimePrediction: Sendable, Equatable {
    /// One device's share of the prediction.
    package struct Device: Sendable, Equatable {
        /// The device's name (its id).
        package var name: String
        /// Stop-copy bytes.
        package var bytes: UInt64
        /// The rate the model gives it: the lowest of its own observed rate and its share of the link (bytes/s;
        /// nil when neither is known).
        package var rate: Double?
        /// Its own observed rate (bytes/s), nil when not observed yet.
        package var observedRate: Double?
        /// Milliseconds its stop-copy data takes at `rate`.
        package var milliseconds: UInt64
        /// Whether it moves in parallel with the others (multifd) or on the main channel.
        package var parallel: Bool
    }

    /// What keeps the prediction above `downtime-limit`.
    package enum Blocker: Sendable, Equatable {
        /// The RAM still dirty at each sync takes too long over the link.
        case ram(dirtyBytes: UInt64, linkRate: Double, dirtyRate: UInt64)
        /// A device's stop-copy state takes too long at its rate (`observed`: its own; else its share of the link).
        case device(name: String, bytes: UInt64, rate: Double, observed: Bool)
        /// Nothing alone: the device state and RAM together exceed what the link carries in the limit.
        case link(bytes: UInt64, linkRate: Double)
    }

    /// Total predicted downtime in milliseconds.
    package var milliseconds: UInt64
    /// The RAM term: dirty RAM over the link (ms).
    package var ramMilliseconds: UInt64
    /// RAM bytes still dirty.
    package var ramBytes: UInt64
    /// The fixed part: stopping, the completion handshake, resuming (ms), learned from earlier migrations.
    package var overheadMilliseconds: UInt64
    /// Per device.
    package var devices: [Device]
    /// The link estimate used (bytes/s; nil when nothing was measured).
    package var linkRate: Double?
    /// Set when the prediction does not fit `downtime-limit`.
    package var blocker: Blocker?

    /// Whether every device's own rate was observed (the prediction then rests on measurements only).
    package var ratesObserved: Bool {
        devices.allSatisfy { $0.observedRate != nil }
    }
}

extension DowntimePrediction.Blocker {
    /// The text `query-migrate` reports in `x-switchover-blocker`.
    package var text: String {
        switch self {
        case .ram(let bytes, let rate, let dirtyRate):
            return "RAM: the guest dirties \(Self.size(Double(dirtyRate)))/s; \(Self.size(Double(bytes))) stays dirty, "
                + "\(Self.milliseconds(Double(bytes), rate)) ms at \(Self.size(rate))/s"
        case .device(let name, let bytes, let rate, let observed):
            return "device \(name): \(Self.size(Double(bytes))) of stop-copy state at "
                + "\(observed ? "its observed" : "its share of the link,") \(Self.size(rate))/s takes "
                + "\(Self.milliseconds(Double(bytes), rate)) ms"
        case .link(let bytes, let rate):
            return "link: \(Self.size(Double(bytes))) of device state and RAM at \(Self.size(rate))/s takes "
                + "\(Self.milliseconds(Double(bytes), rate)) ms"
        }
    }

    private static func milliseconds(_ bytes: Double, _ rate: Double) -> UInt64 {
        DowntimeModel.milliseconds(bytes: bytes, rate: rate)
    }

    private static func size(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
