import JSON

/// The report printed when a watched migration ends: outcome, total time, downtime, throughput, bytes per
/// device (its data stream, as on its bar, with its state size beside), and the integrity check.
public enum MigrationSummary {
    /// The lines for the final sample; the integrity line appears only for a completed migration.
    public static func lines(_ sample: MigrationProgressSample, integrity: IntegrityCheck) -> [String] {
        let info = sample.info
        var lines = [headline(info)]
        lines.append(field("total time", "\(info.unsigned("total-time")) ms (setup \(info.unsigned("setup-time")) ms)"))
        if info.has("downtime") { lines.append(field("downtime", "\(info.unsigned("downtime")) ms")) }
        lines.append(field("throughput", throughput(info)))
        if let ram = info["ram"] { lines.append(field("RAM", ramText(ram))) }
        if let vfio = info["vfio"] {
            lines.append(field("VFIO", "\(ByteCountFormatter.string(vfio.unsigned("transferred"))) transferred"))
        }
        for device in sample.devices {
            lines.append(field(device.text("id"), deviceText(device)))
        }
        if sample.status == "completed" {
            lines.append(field("integrity", integrity.summary))
        }
        return lines
    }

    private static func headline(_ info: JSONValue) -> String {
        let status = info["status"]?.stringValue ?? "none"
        switch status {
        case "completed": return "Migration completed"
        case "failed": return "Migration failed: \(info["error-desc"]?.stringValue ?? "unknown error")"
        case "none": return "No migration started"
        default: return "Migration \(status)"
        }
    }

    private static func field(_ name: String, _ value: String) -> String {
        "  " + MigrationProgressRenderer.pad(name + ":", 13) + " " + value
    }

    /// RAM plus VFIO bytes over the total time: `1.2 GiB/s (10066.3 mbps)`.
    static func throughput(_ info: JSONValue) -> String {
        let bytes = (info["ram"] ?? .emptyObject).unsigned("transferred") + (info["vfio"] ?? .emptyObject).unsigned("transferred")
        let seconds = Double(info.unsigned("total-time")) / 1000
        guard seconds > 0 else { return "-" }
        let rate = Double(bytes) / seconds
        return "\(ByteCountFormatter.rate(rate)) (\(CFormat.fixed(rate * 8 / 1_000_000, decimals: 1)) mbps)"
    }

    /// `257.5 MiB of 257.5 MiB device data read (256.0 MiB state, multifd)`.
    static func deviceText(_ device: JSONValue) -> String {
        let progress = DeviceTransferProgress(device)
        let state = ByteCountFormatter.string(device.unsigned("state-size"))
        let done = ByteCountFormatter.string(progress.done)
        return "\(done) of \(progress.totalText) device data \(progress.verb) (\(state) state, \(progress.modeText))"
    }

    private static func ramText(_ ram: JSONValue) -> String {
        let transferred = ByteCountFormatter.string(ram.unsigned("transferred"))
        let total = ByteCountFormatter.string(ram.unsigned("total"))
        let multifd = ByteCountFormatter.string(ram.unsigned("multifd-bytes"))
        return "\(transferred) sent for \(total) of guest RAM, \(ram.unsigned("dirty-sync-count")) dirty syncs, \(multifd) over multifd"
    }
}
