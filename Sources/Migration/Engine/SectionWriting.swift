/// Record framing of the main stream on top of `MainStreamWriter` (QEMU's savevm.c layout).
extension MainStreamWriter {
    /// be32 "QEVM", be32 3.
    func writeFileHeader() throws {
        try put32(QEVM.magic)
        try put32(QEVM.version)
    }

    /// START/FULL: type, be32 section id, u8 idstr length, idstr, be32 instance id, be32 version.
    func writeSectionHeader(_ kind: SectionKind, id: UInt32, handler: any SaveStateHandler) throws {
        try put8(kind.rawValue)
        try put32(id)
        if kind == .start || kind == .full {
            try putString8(handler.idstr)
            try put32(handler.instanceID)
            try put32(handler.versionID)
        }
    }

    /// Footer: 0x7e, be32 section id.
    func writeSectionFooter(id: UInt32) throws {
        try put8(StreamRecord.sectionFooter.rawValue)
        try put32(id)
    }

    /// A whole section: header, the handler's payload, footer.
    func writeSection(_ kind: SectionKind, id: UInt32, handler: any SaveStateHandler,
                      payload: () throws -> Void) throws {
        try writeSectionHeader(kind, id: id, handler: handler)
        try payload()
        try writeSectionFooter(id: id)
    }

    /// COMMAND: 0x08, be16 command, be16 length, payload.
    func writeCommand(_ command: MigrationCommand, payload: [UInt8] = []) throws {
        try put8(StreamRecord.command.rawValue)
        try put16(command.rawValue)
        try put16(UInt16(payload.count))
        try putBytes(payload)
    }

    /// EOF: 0x00.
    func writeEOF() throws {
        try put8(StreamRecord.eof.rawValue)
    }

    /// The `QEMU_VM_VMDESCRIPTION` trailer after EOF: 0x06, be32 length, JSON.
    func writeVMDescription(_ description: VMDescription) throws {
        let json = Array(description.json().utf8)
        try put8(StreamRecord.vmDescription.rawValue)
        try put32(UInt32(json.count))
        try putBytes(json)
    }

    /// Bytes written so far on this channel (a section's payload size is the difference around it).
    var bytesWritten: UInt64 {
        counter.value
    }
}
