import Migration
import VFIO

/// Reads one multifd channel capture: the 64-byte hello, then RAM, SYNC and device-state packets to the end.
struct ChannelAnalyzer {
    private var cursor: ByteCursor
    private let pageSize: Int
    /// Offsets per RAM packet (`MULTIFD_PACKET_SIZE` 512 KiB / page size).
    private let pagesPerPacket: Int
    private(set) var report: ChannelReport

    init(file: MappedFile, pageSize: Int) {
        cursor = file.cursor()
        self.pageSize = pageSize
        pagesPerPacket = max(1, (512 << 10) / max(pageSize, 1))
        report = ChannelReport(file: file.path, size: file.size)
    }

    /// Reads everything; `report` holds what was read even when this throws.
    mutating func run() throws {
        try readHello()
        var round = 0
        while !cursor.atEnd {
            cursor.file.release(before: cursor.offset)
            let packet = try readPacket(round: round)
            if packet.kind == "sync" { round += 1 }
            report.packets.append(packet)
        }
    }

    private mutating func readHello() throws {
        let bytes = try cursor.bytes(MultiFDWire.helloSize, "multifd hello")
        let hello = try MultiFDHello.decode(Array(bytes))
        guard hello.magic == MultiFDWire.magic, hello.version == MultiFDWire.version else {
            throw cursor.error("multifd hello: expected magic \(hex(MultiFDWire.magic)) version \(MultiFDWire.version), "
                + "found \(hex(hello.magic)) version \(hello.version)", at: 0)
        }
        report.id = hello.id
        report.uuid = MultiFDHello.format(uuid: hello.uuid)
    }

    private mutating func readPacket(round: Int) throws -> ChannelPacket {
        let at = cursor.offset
        let header = try cursor.bytes(MultiFDWire.headerSize, "multifd packet header")
        let parsed: MultiFDPacketHeader
        do {
            parsed = try MultiFDPacketHeader.load(from: header.baseAddress!)
        } catch {
            throw cursor.error("multifd packet: \(error)", at: at)
        }
        cursor.offset = at
        if parsed.isDeviceState {
            return try readDeviceState(at: at, round: round)
        }
        return try readRAM(at: at, flags: parsed.flags, round: round)
    }

    private mutating func readDeviceState(at: Int, round: Int) throws -> ChannelPacket {
        let bytes = try cursor.bytes(MultiFDWire.deviceStateHeaderSize, "device-state packet header")
        let header: MultiFDDeviceStateHeader
        do {
            header = try MultiFDDeviceStateHeader.load(from: bytes.baseAddress!, maxPayload: Int(UInt32.max))
        } catch {
            throw cursor.error("device-state packet: \(error)", at: at)
        }
        let dataOffset = cursor.offset
        let payload = try cursor.bytes(Int(header.payloadSize), "device-state payload of \(header.idstr)")
        var packet = ChannelPacket(kind: "device-state", offset: at, flags: header.flags, size: Int(header.payloadSize),
                                   dataOffset: dataOffset, round: round, idstr: header.idstr,
                                   instanceID: header.instanceID)
        if payload.count >= VFIODeviceStatePacket.headerSize {
            let vfio = VFIODeviceStatePacket(decoding: payload)
            packet.idx = vfio.idx
            packet.vfioFlags = vfio.flags
            packet.vfioVersion = vfio.version
        }
        return packet
    }

    private mutating func readRAM(at: Int, flags: UInt32, round: Int) throws -> ChannelPacket {
        let headerSize = MultiFDWire.ramFixedSize + 8 * pagesPerPacket
        let header = try cursor.bytes(headerSize, "RAM packet header (\(headerSize) bytes)")
        let pagesAlloc = Int(header.loadBE32(at: 12))
        let normal = Int(header.loadBE32(at: 16))
        let size = Int(header.loadBE32(at: 20))
        let zero = Int(header.loadBE32(at: 32))
        guard pagesAlloc <= pagesPerPacket, normal + zero <= pagesPerPacket else {
            throw cursor.error("RAM packet: expected at most \(pagesPerPacket) pages, found pages_alloc \(pagesAlloc), "
                + "\(normal) normal and \(zero) zero pages", at: at)
        }
        let compressed = flags & MultiFDWire.compressionMask != 0
        guard compressed || size == normal * pageSize else {
            throw cursor.error("RAM packet: expected next_packet_size \(normal * pageSize) for \(normal) normal pages, "
                + "found \(size)", at: at + 20)
        }
        guard let block = ByteCursor.fixedName(UnsafeRawBufferPointer(rebasing: header[64..<64 + MultiFDWire.nameFieldSize])) else {
            throw cursor.error("RAM packet: expected a NUL-terminated ramblock name", at: at + 64)
        }
        var packet = ChannelPacket(kind: flags & MultiFDWire.flagSync != 0 ? "sync" : "ram", offset: at, flags: flags,
                                   packetNumber: header.loadBE64(at: 24), size: size,
                                   ramBlock: block, dataOffset: cursor.offset + 0, round: round)
        let offsets = (0..<(normal + zero)).map { header.loadBE64(at: MultiFDWire.ramFixedSize + 8 * $0) }
        if let bad = offsets.firstIndex(where: { $0 % UInt64(pageSize) != 0 }) {
            throw cursor.error("RAM packet: expected page-aligned offsets, found \(hex(offsets[bad]))",
                               at: at + MultiFDWire.ramFixedSize + 8 * bad)
        }
        packet.normalOffsets = Array(offsets[..<normal])
        packet.zeroOffsets = Array(offsets[normal...])
        packet.dataOffset = cursor.offset
        try cursor.skip(size, "page data of RAM packet")
        return packet
    }
}

extension UnsafeRawBufferPointer {
    fileprivate func loadBE32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    fileprivate func loadBE64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
