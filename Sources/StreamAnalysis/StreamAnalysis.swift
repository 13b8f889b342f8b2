import JSON
import Migration

/// The analysis of one migration: its main stream and/or the captures of its multifd channels.
package struct StreamAnalysis: Sendable, Equatable {
    /// Version of the `--json` document (docs/stream-format.md §6).
    package static let schema = "vmig-analyze/1"

    package var main: MainStreamReport?
    package var channels: [ChannelReport] = []
    /// The per-device idx check over all channels.
    package var devices: [DeviceIndexCheck] = []
    /// Problems found between files (channel ids, UUIDs).
    package var problems: [String] = []
    /// The error that stopped the reading of a file, if any (what was read before it is kept).
    package var error: AnalysisError?

    /// True when every file was read to its end and no check found a problem.
    package var isClean: Bool {
        error == nil && problems.isEmpty && devices.allSatisfy(\.isWhole)
    }

    /// Reads `paths` (main stream and channel captures are told apart by their first four bytes; at most one main
    /// stream) and checks them together; with `dumpDirectory`, RAM blocks are written there. Never throws for bad
    /// content: the first unreadable file stops the analysis and is reported in `error`.
    package static func analyze(paths: [String], dumpDirectory: String? = nil) -> StreamAnalysis {
        var analysis = StreamAnalysis()
        do {
            let dump = try dumpDirectory.map { try MemoryDump(directory: $0) }
            let files = try paths.map { try MappedFile(path: $0) }
            let (mains, channelFiles) = try classify(files)
            if let main = mains.first {
                var analyzer = try MainStreamAnalyzer(file: main, dump: dump)
                defer { analysis.main = analyzer.report }
                try analyzer.run()
            }
            let pageSize = analysis.main?.pageSize ?? 4096
            for file in channelFiles {
                var analyzer = ChannelAnalyzer(file: file, pageSize: pageSize)
                defer { analysis.channels.append(analyzer.report) }
                try analyzer.run()
            }
            analysis.checkChannels()
            if let dump { try analysis.dumpChannelPages(channelFiles, to: dump) }
        } catch let error as AnalysisError {
            analysis.error = error
        } catch {
            analysis.error = AnalysisError(file: paths.first ?? "", offset: 0, message: "\(error)")
        }
        analysis.devices = DeviceIndexCheck.check(analysis.channels)
        return analysis
    }

    /// Splits files into main streams (`QEVM`) and multifd channels (`0x11223344`).
    private static func classify(_ files: [MappedFile]) throws -> (main: [MappedFile], channels: [MappedFile]) {
        var main: [MappedFile] = []
        var channels: [MappedFile] = []
        for file in files {
            var cursor = file.cursor()
            let magic = try cursor.be32("stream magic")
            switch magic {
            case QEVM.magic: main.append(file)
            case MultiFDWire.magic: channels.append(file)
            default:
                throw cursor.error("expected the main stream's QEVM magic \(hex(QEVM.magic)) or a multifd channel's "
                    + "\(hex(MultiFDWire.magic)), found \(hex(magic))", at: 0)
            }
        }
        if main.count > 1 {
            throw AnalysisError(file: main[1].path, offset: 0, message: "a second main stream (\(main[0].path) is one): "
                + "give the files of one migration")
        }
        return (main, channels)
    }

    /// Channel ids are unique and below vmig's configured channel count, all hellos name one UUID; packet pages lie
    /// inside their blocks.
    private mutating func checkChannels() {
        var ids: [UInt8: String] = [:]
        let declared = main?.configuration?["configuration/vmig"]?["multifd-channels"]?.uint64Value
        for channel in channels {
            if let declared, UInt64(channel.id) >= declared {
                problems.append("\(channel.file): channel id \(channel.id), but the configuration has \(declared) multifd channels")
            }
            if let other = ids[channel.id] {
                problems.append("channel id \(channel.id) appears in \(other) and \(channel.file)")
            }
            ids[channel.id] = channel.file
            if channel.uuid != channels[0].uuid {
                problems.append("\(channel.file): uuid \(channel.uuid) differs from \(channels[0].uuid) of \(channels[0].file)")
            }
        }
        guard let blocks = main?.ram.blocks, !blocks.isEmpty else { return }
        let pageSize = UInt64(main?.pageSize ?? 4096)
        for channel in channels {
            for packet in channel.packets where packet.kind == "ram" {
                guard let block = blocks.first(where: { $0.name == packet.ramBlock }) else {
                    problems.append("\(channel.file) offset \(packet.offset): RAM packet for unknown block '\(packet.ramBlock ?? "")'")
                    break
                }
                if let bad = (packet.normalOffsets + packet.zeroOffsets).first(where: { $0 > block.length - pageSize }) {
                    problems.append("\(channel.file) offset \(packet.offset): page offset \(hex(bad)) beyond block "
                        + "'\(block.name)' (\(block.length) bytes)")
                    break
                }
            }
        }
    }

    /// Writes the channels' pages round by round (rounds end at SYNC packets; pages of one round never overlap).
    private func dumpChannelPages(_ files: [MappedFile], to dump: MemoryDump) throws {
        let pageSize = main?.pageSize ?? 4096
        let rounds = channels.map { ($0.packets.last?.round ?? 0) }.max() ?? 0
        for round in 0...rounds {
            for (channel, file) in zip(channels, files) {
                // Compressed packets' data is not pages (vmig never compresses).
                for packet in channel.packets where packet.kind == "ram" && packet.round == round
                    && packet.flags & MultiFDWire.compressionMask == 0 {
                    let block = packet.ramBlock ?? ""
                    for (index, offset) in packet.normalOffsets.enumerated() {
                        let data = UnsafeRawBufferPointer(start: file.base! + packet.dataOffset + index * pageSize,
                                                          count: pageSize)
                        try dump.write(block: block, offset: offset, page: data)
                    }
                    for offset in packet.zeroOffsets {
                        try dump.fill(block: block, offset: offset, byte: 0, pageSize: pageSize)
                    }
                }
            }
        }
    }

    /// The `--json` document.
    package var json: JSONValue {
        ["schema": .string(Self.schema), "main": main?.json ?? .null, "channels": .array(channels.map(\.json)),
         "devices": .array(devices.map(\.json)), "problems": .array(problems.map(JSONValue.string)),
         "error": error.map { ["file": .string($0.file), "offset": .integer($0.offset), "message": .string($0.message)] } ?? .null,
         "clean": .bool(isClean)]
    }
}
