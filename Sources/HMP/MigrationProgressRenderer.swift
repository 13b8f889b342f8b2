import JSON

/// Draws live migration progress as text lines: a status line, a RAM bar and one bar per VFIO device with
/// bytes, rate and phase. The RAM bar's bytes and rate are of guest pages only (``MigrationProgressSample/ramBytesSent``);
/// a device's bar counts its data stream (``DeviceTransferProgress``). Rates come from the difference between two
/// samples; a row where nothing moves (a rate of zero, as during setup), a row with nothing left to move and every
/// row once the migration has ended show no rate.
package enum MigrationProgressRenderer {
    /// The width of the bars in characters.
    package static let barWidth = 24

    /// The lines for `sample`; `previous` (an earlier sample of the same migration) gives the rates.
    package static func lines(_ sample: MigrationProgressSample, previous: MigrationProgressSample?) -> [String] {
        let interval = previous.map { sample.time - $0.time } ?? 0
        var lines = [statusLine(sample)]
        if let blocker = sample.info["x-switchover-blocker"]?.stringValue, sample.isOngoing {
            lines.append("not converging: \(blocker)")
        }
        lines.append(ramLine(sample, previous: previous, interval: interval))
        let nameWidth = max(5, sample.devices.map { $0.text("id").count }.max() ?? 0)
        for device in sample.devices {
            let earlier = previous?.devices.first { $0.text("id") == device.text("id") }
            lines.append(deviceLine(sample, device, earlier: earlier, interval: interval, nameWidth: nameWidth))
        }
        return lines
    }

    /// `[#######.........]`: `fraction` of the bar filled.
    package static func bar(_ fraction: Double) -> String {
        let filled = Int((max(0, min(1, fraction)) * Double(barWidth)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
    }

    private static func statusLine(_ sample: MigrationProgressSample) -> String {
        let info = sample.info
        var parts = ["status: \(sample.status)", "time: \(info.unsigned("total-time")) ms"]
        if info.has("expected-downtime") { parts.append("expected downtime: \(info.unsigned("expected-downtime")) ms") }
        if info.has("downtime") { parts.append("downtime: \(info.unsigned("downtime")) ms") }
        if let ram = info["ram"] { parts.append("dirty syncs: \(ram.unsigned("dirty-sync-count"))") }
        if info.has("cpu-throttle-percentage") { parts.append("cpu throttle: \(info.unsigned("cpu-throttle-percentage")) %") }
        return parts.joined(separator: "  ")
    }

    private static func ramLine(_ sample: MigrationProgressSample, previous: MigrationProgressSample?, interval: Double) -> String {
        let ram = sample.info["ram"] ?? .emptyObject
        // Guest-page bytes only: `mbps` and `transferred` count every channel's bytes, device state included.
        var rate = 0.0
        if let previous, interval > 0, sample.ramBytesSent >= previous.ramBytesSent {
            rate = Double(sample.ramBytesSent - previous.ramBytesSent) / interval
        }
        let moved = ram.unsigned("total") - min(ram.unsigned("total"), ram.unsigned("remaining"))
        return row(
            name: "RAM", width: 5, fraction: sample.ramFraction,
            amount: "\(BinaryByteCount.string(moved)) / \(BinaryByteCount.string(ram.unsigned("total")))",
            rate: sample.isOngoing && rate > 0 ? rate : nil, detail: "sent \(BinaryByteCount.string(sample.ramBytesSent))")
    }

    private static func deviceLine(
        _ sample: MigrationProgressSample, _ device: JSONValue, earlier: JSONValue?, interval: Double, nameWidth: Int
    ) -> String {
        let progress = DeviceTransferProgress(device)
        var rate: Double?
        if sample.isOngoing && !progress.isFinished, let earlier, interval > 0 {
            let before = DeviceTransferProgress(earlier).done
            if progress.done > before { rate = Double(progress.done - before) / interval }
        }
        return row(
            name: progress.id, width: nameWidth, fraction: progress.fraction, amount: progress.amountText, rate: rate,
            detail: progress.statusText)
    }

    /// One bar row; a nil `rate` leaves the rate column blank.
    private static func row(name: String, width: Int, fraction: Double, amount: String, rate: Double?, detail: String) -> String {
        let percent = Int((max(0, min(1, fraction)) * 100).rounded(.down))
        return [
            pad(name, width), bar(fraction), leftPad("\(percent)%", 4), leftPad(amount, 23),
            leftPad(rate.map(BinaryByteCount.rate) ?? "", 12), detail,
        ].joined(separator: " ")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func leftPad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
