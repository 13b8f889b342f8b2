import JSON

/// One poll of a migrating VM: `query-migrate` and `x-query-vfio-migration` at a moment.
public struct MigrationProgressSample: Sendable {
    /// Monotonic seconds when the sample was taken.
    public let time: Double
    /// The MigrationInfo object.
    public let info: JSONValue
    /// The VfioDeviceMigrationInfo objects (empty when the server has none or lacks the command).
    public let devices: [JSONValue]

    /// Creates a sample.
    public init(time: Double, info: JSONValue, devices: [JSONValue]) {
        self.time = time
        self.info = info
        self.devices = devices
    }

    /// The migration status, `none` before any migration.
    public var status: String { info["status"]?.stringValue ?? "none" }

    /// Whether the migration is still going on (the client keeps waiting).
    public var isOngoing: Bool { MigrationVocabulary.ongoingStatuses.contains(status) }

    /// RAM bytes sent so far.
    public var ramTransferred: UInt64 { (info["ram"] ?? .emptyObject).unsigned("transferred") }

    /// The share of guest RAM sent at least once and not dirty again, 0...1 (1 once completed).
    public var ramFraction: Double {
        if status == "completed" { return 1 }
        let ram = info["ram"] ?? .emptyObject
        let total = ram.unsigned("total")
        guard total > 0 else { return 0 }
        return min(1, Double(total - min(total, ram.unsigned("remaining"))) / Double(total))
    }
}
