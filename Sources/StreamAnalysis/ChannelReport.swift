import JSON
import Migration

/// One multifd packet of a channel capture.
package struct ChannelPacket: Sendable, Equatable {
    /// `ram`, `sync` or `device-state`.
    package var kind: String
    package var offset: Int
    package var flags: UInt32
    /// `packet_num` (RAM and SYNC packets).
    package var packetNumber: UInt64?
    /// `next_packet_size`: bytes after the header.
    package var size: Int
    package var ramBlock: String?
    /// Page offsets sent with data, then those of zero pages (RAM packets).
    package var normalOffsets: [UInt64] = []
    package var zeroOffsets: [UInt64] = []
    /// Offset in the file of the first data byte.
    package var dataOffset: Int
    /// SYNC packets before this one on its channel.
    package var round: Int
    /// Device-state packets: the section idstr and instance, and the VFIO header inside the payload.
    package var idstr: String?
    package var instanceID: UInt32?
    package var idx: UInt32?
    package var vfioFlags: UInt32?
    package var vfioVersion: UInt32?

    /// Whether the VFIO CONFIG_STATE flag is set.
    package var isConfig: Bool { (vfioFlags ?? 0) & 1 != 0 }

    var json: JSONValue {
        var object: JSONObject = ["kind": .string(kind), "offset": .integer(offset), "flags": .integer(flags),
                                  "size": .integer(size)]
        if let packetNumber { object["packet-num"] = .integer(packetNumber) }
        if kind == "ram" {
            object["ramblock"] = .string(ramBlock ?? "")
            object["normal"] = Self.runs(normalOffsets)
            object["zero"] = Self.runs(zeroOffsets)
        }
        if let idstr {
            object["idstr"] = .string(idstr)
            object["instance-id"] = .integer(instanceID ?? 0)
            object["idx"] = idx.map { .integer($0) } ?? .null
            object["config"] = .bool(isConfig)
            if let vfioVersion { object["vfio-version"] = .integer(vfioVersion) }
        }
        return .object(object)
    }

    /// Offsets as `[first offset, pages]` runs of consecutive pages (any page size: a run continues while the next
    /// offset follows the last by the gap between the first two).
    static func runs(_ offsets: [UInt64]) -> JSONValue {
        var result: [JSONValue] = []
        var start: UInt64 = 0
        var count = 0
        var step: UInt64 = 0
        for offset in offsets {
            if count > 0, offset > start, step == 0 || offset == start + step * UInt64(count) {
                if step == 0 { step = offset - start }
                count += 1
                continue
            }
            if count > 0 { result.append([.integer(start), .integer(count)]) }
            start = offset
            count = 1
            step = 0
        }
        if count > 0 { result.append([.integer(start), .integer(count)]) }
        return .array(result)
    }
}

/// Everything read from one multifd channel capture.
package struct ChannelReport: Sendable, Equatable {
    package var file: String
    package var size: Int
    /// The hello: channel id and VM UUID.
    package var id: UInt8 = 0
    package var uuid: String = ""
    package var packets: [ChannelPacket] = []

    package var ramPackets: Int { packets.count { $0.kind == "ram" } }
    package var syncPackets: Int { packets.count { $0.kind == "sync" } }
    package var deviceStatePackets: Int { packets.count { $0.kind == "device-state" } }
    package var normalPages: Int { packets.reduce(0) { $0 + $1.normalOffsets.count } }
    package var zeroPages: Int { packets.reduce(0) { $0 + $1.zeroOffsets.count } }
    package var deviceStateBytes: Int { packets.filter { $0.kind == "device-state" }.reduce(0) { $0 + $1.size } }

    var json: JSONValue {
        ["file": .string(file), "size": .integer(size), "id": .integer(id), "uuid": .string(uuid),
         "ram-packets": .integer(ramPackets), "sync-packets": .integer(syncPackets),
         "device-state-packets": .integer(deviceStatePackets), "normal-pages": .integer(normalPages),
         "zero-pages": .integer(zeroPages), "device-state-bytes": .integer(deviceStateBytes),
         "packets": .array(packets.map(\.json))]
    }
}
