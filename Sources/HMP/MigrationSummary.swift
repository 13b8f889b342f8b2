import JSON

/// The report printed when a watched migration ends: outcome, total time, downtime, throughput, bytes on the
/// wire, RAM and VFIO bytes, bytes per device (its data stream, as on its bar, with its state size beside), and
/// the integrity check. Every figure is the `query-migrate` field of the same meaning, as `info migrate` shows it.
package enum MigrationSummary {
    /// The lines for the final sample; the integrity line appears only for a completed migration.
    package static func lines(_ sample: MigrationProgressSample, integrity: IntegrityCheck) -> [String] {
        let info = sample.info
        var lines = [headline(info)]
        if sample.figuresAreCarried { lines.append(field("figures", "as last reported while the migration ran")) }
        if info.has("total-time") {
            lines.append(field("total time", "\(info.unsigned("total-time")) ms (setup \(info.unsigned("setup-time")) ms)"))
        }
        if info.has("downtime") { lines.append(field("downtime", "\(info.unsigned("downtime")) ms")) }
        if let ram = info["ram"] {
            lines.append(field("throughput", throughput(ram)))
            lines.append(field("transferred", transferredText(ram)))
            lines.append(field("RAM", ramText(ram, sent: sample.ramBytesSent)))
        }
        if let vfio = info["vfio"] {
            lines.append(field("VFIO", "\(BinaryByteCount.string(vfio.unsigned("transferred"))) transferred"))
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

    /// `ram.mbps`, the throughput `info migrate` shows, also in bytes: `1.2 GiB/s (10066.3 mbps)`. Once completed
    /// it is QEMU's: every byte on every channel over the total time less the setup time.
    static func throughput(_ ram: JSONValue) -> String {
        let mbps = ram.number("mbps")
        return "\(BinaryByteCount.rate(mbps * 1_000_000 / 8)) (\(CFormat.fixed(mbps, decimals: 1)) mbps)"
    }

    /// `257.1 MiB on all channels, 257.0 MiB of it over multifd`: `ram.transferred` and `ram.multifd-bytes`.
    private static func transferredText(_ ram: JSONValue) -> String {
        let all = BinaryByteCount.string(ram.unsigned("transferred"))
        let multifd = BinaryByteCount.string(ram.unsigned("multifd-bytes"))
        return "\(all) on all channels, \(multifd) of it over multifd"
    }

    /// `257.5 MiB of 257.5 MiB device data read (256.0 MiB state, multifd)`.
    static func deviceText(_ device: JSONValue) -> String {
        let progress = DeviceTransferProgress(device)
        let state = BinaryByteCount.string(device.unsigned("state-size"))
        let done = BinaryByteCount.string(progress.done)
        return "\(done) of \(progress.totalText) device data \(progress.verb) (\(state) state, \(progress.modeText))"
    }

    /// `1.1 MiB sent for 1.0 GiB of guest RAM (precopy 1.0 MiB, downtime 64.0 KiB; 200 normal, 261888 zero pages),
    /// 2 dirty syncs`: guest-page bytes only.
    private static func ramText(_ ram: JSONValue, sent: UInt64) -> String {
        let total = BinaryByteCount.string(ram.unsigned("total"))
        var split = [("precopy", "precopy-bytes"), ("downtime", "downtime-bytes"), ("postcopy", "postcopy-bytes")]
            .filter { ram.unsigned($0.1) > 0 }
            .map { "\($0.0) \(BinaryByteCount.string(ram.unsigned($0.1)))" }
            .joined(separator: ", ")
        if !split.isEmpty { split += "; " }
        let pages = "\(ram.unsigned("normal")) normal, \(ram.unsigned("duplicate")) zero pages"
        return "\(BinaryByteCount.string(sent)) sent for \(total) of guest RAM (\(split)\(pages)), "
            + "\(ram.unsigned("dirty-sync-count")) dirty syncs"
    }
}
