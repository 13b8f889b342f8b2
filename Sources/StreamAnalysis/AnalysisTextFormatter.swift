import JSON

/// The human summary `vmig analyze` prints by default.
package struct AnalysisTextFormatter {
    /// List every multifd packet, not only per-channel totals.
    package var listPackets = false
    /// List every main-stream record, not only a line per section.
    package var listRecords = false

    package init(listPackets: Bool = false, listRecords: Bool = false) {
        self.listPackets = listPackets
        self.listRecords = listRecords
    }

    package func format(_ analysis: StreamAnalysis) -> String {
        var lines: [String] = []
        if let main = analysis.main { lines += mainStream(main) }
        for channel in analysis.channels { lines += self.channel(channel) }
        if !analysis.devices.isEmpty {
            lines.append("Device state on the multifd channels (idx check):")
            lines += analysis.devices.map(device)
        }
        lines += analysis.problems.map { "PROBLEM: " + $0 }
        if let error = analysis.error { lines.append("ERROR: \(error)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func mainStream(_ main: MainStreamReport) -> [String] {
        var lines = ["Main stream \(main.file): \(main.size) bytes, QEVM version \(main.version), page size \(main.pageSize)"]
        lines.append("  machine '\(main.machine ?? "?")'" + (main.capabilities.isEmpty ? "" : ", capabilities: "
            + main.capabilities.joined(separator: ", ")))
        if let configuration = main.configuration?.objectValue {
            for (name, value) in configuration where name.contains("/") {
                lines.append("  configuration \(name): \(Self.fields(value))")
            }
        }
        if listRecords {
            lines.append("Records:")
            lines += main.records.map(record)
        } else {
            lines.append("Sections:")
            lines += sectionLines(main.records)
            lines.append("Commands and markers:")
            lines += main.records.filter { !["start", "part", "end", "full"].contains($0.kind) }.map(record)
        }
        lines.append("RAM: \(main.ram.endOfSections) EOS markers, \(main.ram.flushes) multifd flushes")
        for block in main.ram.blocks {
            var line = "  block '\(block.name)' \(Self.size(block.length)): \(block.normalPages) normal, \(block.zeroPages) zero pages"
            if let mapped = block.mappedPages { line += ", \(mapped) mapped-ram pages" }
            lines.append(line)
        }
        if !main.described.isEmpty { lines.append("Sections decoded with the vmdesc:") }
        for section in main.described {
            lines.append("  \(section.idstr) (\(section.instanceID)) v\(section.version), section \(section.sectionID):")
            lines += Self.fieldLines(section.fields, indent: "    ")
        }
        if !main.vfio.isEmpty { lines.append("VFIO devices on the main channel:") }
        for device in main.vfio {
            let flags = device.flags.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("  \(device.idstr) (\(device.instanceID)): precopy \(device.precopyBytes) B, stop-copy "
                + "\(device.stopCopyBytes) B, config \(device.configBytes) B, switchover-ack "
                + (device.switchoverAckOffsets.isEmpty ? "none" : device.switchoverAckOffsets.map { "@\(hex($0))" }.joined(separator: " ")))
            lines.append("    flags: \(flags)")
        }
        if let offset = main.descriptionOffset, let length = main.descriptionLength {
            let devices = main.description?["devices"]?.arrayValue?.count ?? 0
            lines.append("vmdesc at \(hex(offset)): \(length) bytes of JSON, \(devices) devices described")
        } else {
            lines.append("vmdesc: none")
        }
        return lines
    }

    /// One line per section id: identity, how many records of each kind, payload bytes in all.
    private func sectionLines(_ records: [StreamRecordEntry]) -> [String] {
        var order: [UInt32] = []
        var counts: [UInt32: (first: StreamRecordEntry, kinds: [String: Int], bytes: Int)] = [:]
        for entry in records {
            guard let id = entry.sectionID else { continue }
            if counts[id] == nil {
                order.append(id)
                counts[id] = (entry, [:], 0)
            }
            counts[id]!.kinds[entry.kind, default: 0] += 1
            counts[id]!.bytes += entry.payloadBytes ?? 0
        }
        return order.map { id in
            let (first, kinds, bytes) = counts[id]!
            let tally = ["start", "part", "end", "full"].compactMap { kind in
                kinds[kind].map { "\(kind.uppercased()) \($0)" }
            }.joined(separator: ", ")
            return "  id \(id) '\(first.idstr ?? "")' instance \(first.instanceID ?? 0) v\(first.version ?? 0): \(tally); "
                + "\(bytes) payload bytes, first at \(hex(first.offset))"
        }
    }

    private func record(_ entry: StreamRecordEntry) -> String {
        let offset = "  " + Self.padded(hex(entry.offset), 12)
        switch entry.kind {
        case "command":
            return offset + "COMMAND \(entry.command ?? "?") (\(entry.payloadBytes ?? 0) bytes)"
        case "start", "part", "end", "full":
            var line = offset + Self.padded(entry.kind.uppercased(), 6) + "id \(entry.sectionID ?? 0) '\(entry.idstr ?? "")'"
            line += " instance \(entry.instanceID ?? 0) v\(entry.version ?? 0), \(entry.payloadBytes ?? 0) bytes"
            return line
        case "vmdesc":
            return offset + "VMDESCRIPTION (\(entry.payloadBytes ?? 0) bytes)"
        default:
            return offset + entry.kind.uppercased()
        }
    }

    private func channel(_ channel: ChannelReport) -> [String] {
        var lines = ["Multifd channel \(channel.id) \(channel.file): \(channel.size) bytes, uuid \(channel.uuid)"]
        lines.append("  \(channel.ramPackets) RAM packets (\(channel.normalPages) normal, \(channel.zeroPages) zero pages), "
            + "\(channel.syncPackets) SYNC, \(channel.deviceStatePackets) device-state packets (\(channel.deviceStateBytes) bytes)")
        guard listPackets else { return lines }
        for packet in channel.packets {
            var line = "  " + Self.padded(hex(packet.offset), 12) + Self.padded(packet.kind, 13) + "flags \(hex(packet.flags))"
            if let number = packet.packetNumber { line += " num \(number)" }
            line += " size \(packet.size)"
            if packet.kind == "ram" {
                line += " '\(packet.ramBlock ?? "")' normal \(JSONWriter.string(ChannelPacket.runs(packet.normalOffsets)))"
                line += " zero \(JSONWriter.string(ChannelPacket.runs(packet.zeroOffsets)))"
            }
            if let idstr = packet.idstr {
                line += " '\(idstr)' instance \(packet.instanceID ?? 0) idx \(packet.idx.map(String.init) ?? "?")"
                if packet.isConfig { line += " CONFIG" }
            }
            lines.append(line)
        }
        return lines
    }

    private func device(_ check: DeviceIndexCheck) -> String {
        let idx = check.highestIdx.map { "idx 0…\($0)" } ?? "no idx"
        let head = "  \(check.idstr) (\(check.instanceID)): \(check.packets) packets on channels "
            + check.channels.map(String.init).joined(separator: ",") + ", \(idx), data \(check.dataBytes) B, config "
            + "\(check.configBytes) B: "
        return head + (check.isWhole ? "ok" : check.problems.joined(separator: "; "))
    }

    // MARK: Values

    private static func fieldLines(_ value: JSONValue, indent: String) -> [String] {
        guard let members = value.objectValue else { return [indent + text(value)] }
        var lines: [String] = []
        for (name, member) in members {
            if member.objectValue != nil {
                lines.append(indent + name + ":")
                lines += fieldLines(member, indent: indent + "  ")
            } else {
                lines.append(indent + name + " = " + text(member))
            }
        }
        return lines
    }

    private static func fields(_ value: JSONValue) -> String {
        value.objectValue?.map { "\($0.key)=\(text($0.value))" }.joined(separator: " ") ?? text(value)
    }

    /// Integers in hex as the script shows them; the rest as JSON.
    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .uint(let number): return hex(number)
        case .int(let number) where number >= 0: return hex(number)
        case .int(let number): return "\(number)"
        case .string(let string): return string
        case .array(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
        default: return JSONWriter.string(value, style: .spaced)
        }
    }

    private static func size(_ bytes: UInt64) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
