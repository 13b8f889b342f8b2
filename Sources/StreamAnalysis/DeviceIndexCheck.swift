import JSON

/// The check of one device's multifd packets across all channels: idx 0…N each exactly once, the config packet
/// (CONFIG_STATE flag) once and last, and on each channel idx rising (a device's save thread queues its packets in
/// idx order, and a channel sends what it is handed in order; only different channels may overtake each other).
package struct DeviceIndexCheck: Sendable, Equatable {
    package var idstr: String
    package var instanceID: UInt32
    package var packets = 0
    /// Channel ids that carried this device's packets.
    package var channels: [UInt8] = []
    package var dataBytes = 0
    package var configBytes = 0
    package var highestIdx: UInt32?
    package var configIdx: [UInt32] = []
    /// idx values below the highest one that no packet carries.
    package var missing: [UInt32] = []
    /// idx values carried by more than one packet.
    package var duplicates: [UInt32] = []
    /// Packets whose idx is not above the previous one of this device on the same channel.
    package var outOfOrder: [(channel: UInt8, offset: Int, idx: UInt32, after: UInt32)] = []
    /// Payloads too short for the VFIO header, or with a version other than 0.
    package var malformed = 0

    /// Human-readable problems; empty when the sequence is whole.
    package var problems: [String] {
        var list: [String] = []
        if !missing.isEmpty { list.append("missing idx \(Self.listed(missing))") }
        if !duplicates.isEmpty { list.append("duplicate idx \(Self.listed(duplicates))") }
        for item in outOfOrder.prefix(20) {
            list.append("idx \(item.idx) after idx \(item.after) on channel \(item.channel) (offset \(item.offset))")
        }
        if configIdx.isEmpty { list.append("no config packet") }
        if configIdx.count > 1 { list.append("\(configIdx.count) config packets") }
        if let config = configIdx.first, let highest = highestIdx, config != highest {
            list.append("config idx \(config) is not last (highest idx \(highest))")
        }
        if malformed > 0 { list.append("\(malformed) packets without a valid VFIO header") }
        return list
    }

    package var isWhole: Bool { problems.isEmpty }

    private static func listed(_ values: [UInt32]) -> String {
        let shown = values.prefix(20).map(String.init).joined(separator: ", ")
        return values.count > 20 ? shown + " … (\(values.count) in all)" : shown
    }

    /// Checks every device-state packet of `channels`, one result per device, ordered by idstr and instance.
    static func check(_ channels: [ChannelReport]) -> [DeviceIndexCheck] {
        var order: [String] = []
        var checks: [String: DeviceIndexCheck] = [:]
        var seen: [String: [UInt32]] = [:]
        for channel in channels {
            var lastOnChannel: [String: UInt32] = [:]
            for packet in channel.packets where packet.kind == "device-state" {
                let key = "\(packet.idstr ?? "")\u{0}\(packet.instanceID ?? 0)"
                if checks[key] == nil {
                    order.append(key)
                    checks[key] = DeviceIndexCheck(idstr: packet.idstr ?? "", instanceID: packet.instanceID ?? 0)
                }
                checks[key]!.add(packet, channel: channel.id, last: &lastOnChannel[key], seen: &seen[key, default: []])
            }
        }
        return order.map { key in
            var check = checks[key]!
            check.finish(seen: seen[key] ?? [])
            return check
        }.sorted { ($0.idstr, $0.instanceID) < ($1.idstr, $1.instanceID) }
    }

    private mutating func add(_ packet: ChannelPacket, channel: UInt8, last: inout UInt32?, seen: inout [UInt32]) {
        packets += 1
        if !channels.contains(channel) { channels.append(channel) }
        guard let idx = packet.idx, packet.vfioVersion == 0 else {
            malformed += 1
            return
        }
        let data = packet.size - 12
        if packet.isConfig {
            configIdx.append(idx)
            configBytes += data
        } else {
            dataBytes += data
        }
        if let previous = last, idx <= previous {
            outOfOrder.append((channel, packet.offset, idx, previous))
        }
        last = idx
        seen.append(idx)
    }

    private mutating func finish(seen: [UInt32]) {
        let sorted = seen.sorted()
        highestIdx = sorted.last
        var expected: UInt32 = 0
        var previous: UInt32?
        for idx in sorted {
            if idx == previous {
                if duplicates.last != idx { duplicates.append(idx) }
                continue
            }
            while expected < idx, missing.count < 1000 {
                missing.append(expected)
                expected += 1
            }
            expected = idx &+ 1
            previous = idx
        }
    }

    var json: JSONValue {
        ["idstr": .string(idstr), "instance-id": .integer(instanceID), "packets": .integer(packets),
         "channels": .array(channels.map { .integer($0) }), "data-bytes": .integer(dataBytes),
         "config-bytes": .integer(configBytes), "highest-idx": highestIdx.map { .integer($0) } ?? .null,
         "config-idx": .array(configIdx.map { .integer($0) }), "missing": .array(missing.map { .integer($0) }),
         "duplicates": .array(duplicates.map { .integer($0) }),
         "out-of-order": .array(outOfOrder.map {
             ["channel": .integer($0.channel), "offset": .integer($0.offset), "idx": .integer($0.idx),
              "after": .integer($0.after)]
         }),
         "ok": .bool(isWhole), "problems": .array(problems.map(JSONValue.string))]
    }

    package static func == (lhs: DeviceIndexCheck, rhs: DeviceIndexCheck) -> Bool {
        lhs.json == rhs.json
    }
}
