import JSON

/// One poll of a migrating VM: `query-migrate` and `x-query-vfio-migration` at a moment.
package struct MigrationProgressSample: Sendable {
    /// Monotonic seconds when the sample was taken.
    package let time: Double
    /// The MigrationInfo object.
    package let info: JSONValue
    /// The VfioDeviceMigrationInfo objects (empty when the server has none or lacks the command).
    package let devices: [JSONValue]
    /// Whether the times, `ram` and `vfio` of `info` come from an earlier sample of the same migration (see
    /// ``keepingFigures(of:)``).
    package let figuresAreCarried: Bool

    /// Creates a sample.
    package init(time: Double, info: JSONValue, devices: [JSONValue], figuresAreCarried: Bool = false) {
        self.time = time
        self.info = info
        self.devices = devices
        self.figuresAreCarried = figuresAreCarried
    }

    /// The migration status, `none` before any migration.
    package var status: String { info["status"]?.stringValue ?? "none" }

    /// Whether the migration is still going on (the client keeps waiting).
    package var isOngoing: Bool { MigrationVocabulary.ongoingStatuses.contains(status) }

    /// Whether the reply has the migration's figures (`ram`); QEMU's has none in `setup`, `failed` and `cancelled`.
    package var hasFigures: Bool { info.has("ram") }

    /// Bytes sent on all channels (`ram.transferred`, QEMU's `migration_transferred_bytes`): RAM, device state,
    /// the stream's framing, multifd headers.
    package var transferred: UInt64 { ram.unsigned("transferred") }

    /// Bytes of guest pages sent (page records and packets): `precopy-bytes` + `downtime-bytes` + `postcopy-bytes`.
    package var ramBytesSent: UInt64 {
        ram.unsigned("precopy-bytes") &+ ram.unsigned("downtime-bytes") &+ ram.unsigned("postcopy-bytes")
    }

    private var ram: JSONValue { info["ram"] ?? .emptyObject }

    /// The share of guest RAM sent at least once and not dirty again, 0...1 (1 once completed).
    package var ramFraction: Double {
        if status == "completed" { return 1 }
        let total = ram.unsigned("total")
        guard total > 0 else { return 0 }
        return min(1, Double(total - min(total, ram.unsigned("remaining"))) / Double(total))
    }

    /// This sample with the figures of `earlier` when it has none itself because the migration ended: like QEMU,
    /// `query-migrate` reports only the status (and `error-desc`) once a migration failed or was cancelled, so the
    /// last figures seen while it ran are kept. Members this reply has win; `expected-downtime` (a running
    /// migration's) is dropped.
    package func keepingFigures(of earlier: MigrationProgressSample?) -> MigrationProgressSample {
        guard !isOngoing, status != "none", !hasFigures, let earlier, earlier.hasFigures,
            var merged = earlier.info.objectValue
        else { return self }
        merged.removeValue(forKey: "expected-downtime")
        for (key, value) in info.objectValue ?? [:] { merged[key] = value }
        return MigrationProgressSample(time: time, info: .object(merged), devices: devices, figuresAreCarried: true)
    }
}
