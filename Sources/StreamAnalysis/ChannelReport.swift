import JSON
import Migration

/// One multifd packet of a channel capture.
public struct ChannelPacket: Sendable, Equatable {
    /// `ram`, `sync` or `device-state`.
    public var kind: String
    public var offset: Int
    public var flags: UInt32
    /// `packet_num` (RAM and SYNC packets).
    public var packetNumber: UInt64?
    /// `next_packet_size`: bytes after the header.
    public var size: Int
    public var ramBlock: String?
    /// Page offsets sent with data, then those of zero pages (RAM packets).
    public var normalOffsets: [UInt64] = []
    public var zeroOffsets: [UInt64] = []
    /// Offset in the file of the first data byte.
    public var dataOffset: Int
    /// SYNC packets before this one on its channel.
    public var round: Int
    /// Device-state packets: the section idstr and instance, and the VFIO header inside the payload.
    public var idstr: String?
    public var instanceID: UInt32?
    public var idx: UInt32?
    public var vfioFlags: UInt32?
    public var vfioVersion: UInt32?

    /// Whether the VFIO CONFIG_STATE flag is set.
    public var isConfig: Bool { (vfioFlags ?? 0) & 1 != 0 }

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
public struct ChannelReport: Sendable, Equatable {
    public var file: String
    public var size: Int
    /// The hello: channel id and VM UUID.
    public var id: UInt8 = 0
    public var uuid: String = ""
    public var packets: [ChannelPacket] = []

    public var ramPackets: Int { packets.count { $0.kind == "ram" } }
    public var syncPackets: Int { packets.count { $0.kind == "sync" } }
    public var deviceStatePackets: Int { packets.count { $0.kind == "device-state" } }
    public var normalPages: Int { packets.reduce(0) { $0 + $1.normalOffsets.count } }
    public var zeroPages: Int { packets.reduce(0) { $0 + $1.zeroOffsets.count } }
    public var deviceStateBytes: Int { packets.filter { $0.kind == "device-state" }.reduce(0) { $0 + $1.size } }

    var json: JSONValue {
        ["file": .string(file), "size": .integer(size), "id": .integer(id), "uuid": .string(uuid),
         "ram-packets": .integer(ramPackets), "sync-packets": .integer(syncPackets),
         "device-state-packets": .integer(deviceStatePackets), "normal-pages": .integer(normalPages),
         "zero-pages": .integer(zeroPages), "device-state-bytes": .integer(deviceStateBytes),
         "packets": .array(packets.map(\.json))]
    }
}
