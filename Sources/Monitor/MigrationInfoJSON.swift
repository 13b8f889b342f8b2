import JSON
import Migration

/// `MigrationInfo` as QEMU 10's `query-migrate` reply: members present only when QEMU would report them.
enum MigrationInfoJSON {
    static func json(_ info: MigrationInfo, vfioTransferred: UInt64? = nil) -> JSONValue {
        var object = JSONObject()
        if let status = info.status { object["status"] = .string(status.name) }
        if let ram = info.ram { object["ram"] = ramJSON(ram) }
        if let vfioTransferred { object["vfio"] = ["transferred": .integer(vfioTransferred)] }
        if let value = info.totalTime { object["total-time"] = .integer(value) }
        if let value = info.expectedDowntime { object["expected-downtime"] = .integer(value) }
        if let value = info.switchoverBlocker { object["x-switchover-blocker"] = .string(value) }
        if let value = info.downtime { object["downtime"] = .integer(value) }
        if let value = info.predictedDowntime { object["x-predicted-downtime"] = .integer(value) }
        if let value = info.setupTime { object["setup-time"] = .integer(value) }
        if let value = info.cpuThrottlePercentage { object["cpu-throttle-percentage"] = .integer(value) }
        if let value = info.errorDesc { object["error-desc"] = .string(value) }
        if let addresses = info.socketAddress { object["socket-address"] = .array(addresses.map(socketJSON)) }
        return .object(object)
    }

    private static func ramJSON(_ ram: RAMStatistics) -> JSONValue {
        [
            "transferred": .integer(ram.transferred), "remaining": .integer(ram.remaining),
            "total": .integer(ram.total), "duplicate": .integer(ram.duplicate), "normal": .integer(ram.normal),
            "normal-bytes": .integer(ram.normalBytes), "dirty-pages-rate": .integer(ram.dirtyPagesRate),
            "mbps": .double(ram.mbps), "dirty-sync-count": .integer(ram.dirtySyncCount),
            "postcopy-requests": .integer(ram.postcopyRequests), "multifd-bytes": .integer(ram.multifdBytes),
            "pages-per-second": .integer(ram.pagesPerSecond), "precopy-bytes": .integer(ram.precopyBytes),
            "downtime-bytes": .integer(ram.downtimeBytes), "postcopy-bytes": .integer(ram.postcopyBytes),
            "dirty-sync-missed-zero-copy": .integer(ram.dirtySyncMissedZeroCopy), "page-size": .integer(ram.pageSize),
        ]
    }

    private static func socketJSON(_ address: MigrationSocketAddress) -> JSONValue {
        switch address {
        case .unix(let path):
            return ["path": .string(path), "type": "unix"]
        case .inet(let host, let port, let ipv6):
            var object: JSONObject = ["port": .string(String(port)), "host": .string(host)]
            object[ipv6 ? "ipv6" : "ipv4"] = true
            object["type"] = "inet"
            return .object(object)
        }
    }
}
