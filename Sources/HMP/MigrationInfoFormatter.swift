import JSON

/// `info migrate`: QEMU 10.0's layout (`hmp_info_migrate`) of a `query-migrate` reply.
enum MigrationInfoFormatter {
    /// The migration globals QEMU prints first. vmig's values are fixed: those of a QEMU 10.0 machine.
    static let globals: [(String, String)] = [
        ("store-global-state", "on"), ("only-migratable", "off"), ("send-configuration", "on"),
        ("send-section-footer", "on"), ("send-switchover-start", "on"), ("clear-bitmap-shift", "18"),
    ]

    /// The whole text for `info` (a MigrationInfo object).
    static func text(_ info: JSONValue) -> String {
        var lines = ["globals:"] + globals.map { "\($0.0): \($0.1)" }
        lines += blockedReasons(info) + status(info)
        if let ram = info["ram"] { lines += ramLines(ram) }
        if let xbzrle = info["xbzrle-cache"] { lines += xbzrleLines(xbzrle) }
        lines += throttleAndPostcopyLines(info)
        lines += socketAddressLines(info)
        if let vfio = info["vfio"] { lines.append("vfio device transferred: \(vfio.unsigned("transferred") >> 10) kbytes") }
        return lines.map { $0 + "\n" }.joined()
    }

    private static func blockedReasons(_ info: JSONValue) -> [String] {
        guard let reasons = info["blocked-reasons"]?.arrayValue else { return [] }
        return ["Outgoing migration blocked:"] + reasons.map { "  " + ($0.stringValue ?? "") }
    }

    private static func status(_ info: JSONValue) -> [String] {
        guard let status = info["status"]?.stringValue else { return [] }
        var first = "Migration status: \(status)"
        if status == "failed", let error = info["error-desc"]?.stringValue { first += " (\(error))" }
        var lines = [first, "total time: \(info.unsigned("total-time")) ms"]
        if info.has("expected-downtime") { lines.append("expected downtime: \(info.unsigned("expected-downtime")) ms") }
        if let blocker = info["x-switchover-blocker"]?.stringValue { lines.append("switchover blocked by: \(blocker)") }
        if info.has("downtime") { lines.append("downtime: \(info.unsigned("downtime")) ms") }
        if info.has("setup-time") { lines.append("setup: \(info.unsigned("setup-time")) ms") }
        return lines
    }

    private static func ramLines(_ ram: JSONValue) -> [String] {
        var lines = [
            "transferred ram: \(ram.unsigned("transferred") >> 10) kbytes",
            "throughput: \(CFormat.fixed(ram.number("mbps"), decimals: 2)) mbps",
            "remaining ram: \(ram.unsigned("remaining") >> 10) kbytes",
            "total ram: \(ram.unsigned("total") >> 10) kbytes",
            "duplicate: \(ram.unsigned("duplicate")) pages",
            "normal: \(ram.unsigned("normal")) pages",
            "normal bytes: \(ram.unsigned("normal-bytes") >> 10) kbytes",
            "dirty sync count: \(ram.unsigned("dirty-sync-count"))",
            "page size: \(ram.unsigned("page-size") >> 10) kbytes",
            "multifd bytes: \(ram.unsigned("multifd-bytes") >> 10) kbytes",
            "pages-per-second: \(ram.unsigned("pages-per-second"))",
        ]
        let optional: [(key: String, line: (UInt64) -> String)] = [
            ("dirty-pages-rate", { "dirty pages rate: \($0) pages" }),
            ("postcopy-requests", { "postcopy request count: \($0)" }),
            ("precopy-bytes", { "precopy ram: \($0 >> 10) kbytes" }),
            ("downtime-bytes", { "downtime ram: \($0 >> 10) kbytes" }),
            ("postcopy-bytes", { "postcopy ram: \($0 >> 10) kbytes" }),
            ("dirty-sync-missed-zero-copy", { "Zero-copy-send fallbacks happened: \($0) times" }),
        ]
        for (key, line) in optional where ram.unsigned(key) != 0 {
            lines.append(line(ram.unsigned(key)))
        }
        return lines
    }

    private static func xbzrleLines(_ cache: JSONValue) -> [String] {
        [
            "cache size: \(cache.unsigned("cache-size")) bytes",
            "xbzrle transferred: \(cache.unsigned("bytes") >> 10) kbytes",
            "xbzrle pages: \(cache.unsigned("pages")) pages",
            "xbzrle cache miss: \(cache.unsigned("cache-miss")) pages",
            "xbzrle cache miss rate: \(CFormat.fixed(cache.number("cache-miss-rate"), decimals: 2))",
            "xbzrle encoding rate: \(CFormat.fixed(cache.number("encoding-rate"), decimals: 2))",
            "xbzrle overflow: \(cache.unsigned("overflow"))",
        ]
    }

    private static func throttleAndPostcopyLines(_ info: JSONValue) -> [String] {
        var lines: [String] = []
        if info.has("cpu-throttle-percentage") {
            lines.append("cpu throttle percentage: \(info.unsigned("cpu-throttle-percentage"))")
        }
        if info.has("dirty-limit-throttle-time-per-round") {
            lines.append("dirty-limit throttle time: \(info.unsigned("dirty-limit-throttle-time-per-round")) us")
        }
        if info.has("dirty-limit-ring-full-time") {
            lines.append("dirty-limit ring full time: \(info.unsigned("dirty-limit-ring-full-time")) us")
        }
        if info.has("postcopy-blocktime") { lines.append("postcopy blocktime: \(info.unsigned("postcopy-blocktime"))") }
        if let times = info["postcopy-vcpu-blocktime"]?.arrayValue {
            lines.append("postcopy vcpu blocktime: \(integerRanges(times.compactMap(\.uint64Value)))")
        }
        return lines
    }

    /// QEMU's string output visitor for integer lists: runs of consecutive values become `a-b`.
    static func integerRanges(_ values: [UInt64]) -> String {
        var parts: [String] = []
        var index = 0
        while index < values.count {
            var end = index
            while end + 1 < values.count, values[end + 1] == values[end] + 1 { end += 1 }
            parts.append(end == index ? "\(values[index])" : "\(values[index])-\(values[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    private static func socketAddressLines(_ info: JSONValue) -> [String] {
        guard let addresses = info["socket-address"]?.arrayValue else { return [] }
        return ["socket address: ["] + addresses.map { "\t" + socketURI($0) } + ["]"]
    }

    /// QEMU's `socket_uri`: `tcp:HOST:PORT`, `unix:PATH`, `vsock:CID:PORT` or `fd:NAME`.
    static func socketURI(_ address: JSONValue) -> String {
        switch address.text("type") {
        case "inet": return "tcp:\(address.text("host")):\(address.text("port"))"
        case "unix": return "unix:\(address.text("path"))"
        case "vsock": return "vsock:\(address.text("cid")):\(address.text("port"))"
        case "fd": return "fd:\(address.text("str"))"
        default: return address.text("type")
        }
    }
}
