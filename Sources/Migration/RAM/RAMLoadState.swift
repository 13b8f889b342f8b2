/// Destination side of guest RAM: parses the "ram" section records (QEMU's `ram_load_precopy`) and runs the
/// multifd SYNC barrier on `MULTIFD_FLUSH`. Every offset and block name is checked before memory is touched.
final class RAMLoadState: SaveStateHandler, @unchecked Sendable {
    // @unchecked: used only by the main load thread.

    let idstr = RAMSection.idstr
    let versionID = RAMSection.version
    let isIterable = true

    private let memory: GuestMemory
    private let multifdSync: (() throws -> Void)?
    /// A page record named the block already: CONTINUE records may follow, in this section or a later one (QEMU's
    /// `last_recv_block` outlives sections, and a QEMU source continues across them).
    private var blockKnown = false

    /// `multifdSync` is nil when multifd is off (then a flush record is an error).
    init(memory: GuestMemory, multifdSync: (() throws -> Void)?) {
        self.memory = memory
        self.multifdSync = multifdSync
    }

    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        let reader = stream.reader
        while true {
            let word = try reader.get64()
            let flags = word & RAMFlag.mask
            let address = word & ~RAMFlag.mask
            switch flags & ~RAMFlag.continue {
            case RAMFlag.memSize:
                try loadBlockList(total: address, reader: reader)
            case RAMFlag.zero, RAMFlag.page:
                blockKnown = try checkBlock(flags: flags, blockKnown: blockKnown, reader: reader)
                try loadPage(address: address, zero: flags & RAMFlag.zero != 0, reader: reader)
            case RAMFlag.multifdFlush:
                guard let multifdSync else {
                    throw MigrationError("RAM_SAVE_FLAG_MULTIFD_FLUSH received but multifd is off")
                }
                try multifdSync()
            case RAMFlag.eos:
                return
            default:
                throw MigrationError("Unknown combination of migration flags: 0x\(hex(flags))")
            }
        }
    }

    /// The block list after `RAM_SAVE_FLAG_MEM_SIZE`: (u8 len, name, be64 length) until `total` bytes.
    private func loadBlockList(total: UInt64, reader: MainStreamReader) throws {
        var remaining = total
        while remaining > 0 {
            let name = try reader.getString8()
            let length = try reader.get64()
            guard name == memory.blockName else {
                throw MigrationError("Unknown ramblock \"\(name)\", cannot accept migration")
            }
            guard length == UInt64(memory.size) else {
                // QEMU 10.0's text (qemu_ram_resize on a block that is not resizeable).
                throw MigrationError("Size mismatch: \(name): 0x\(hex(length)) != 0x\(hex(memory.size)): Invalid argument")
            }
            guard length <= remaining else {
                throw MigrationError("RAM block lengths exceed the announced total of 0x\(hex(total))")
            }
            remaining -= length
        }
    }

    private func checkBlock(flags: UInt64, blockKnown: Bool, reader: MainStreamReader) throws -> Bool {
        if flags & RAMFlag.continue != 0 {
            guard blockKnown else { throw MigrationError("Ack, bad migration stream!") }
            return true
        }
        let name = try reader.getString8()
        guard name == memory.blockName else {
            throw MigrationError("Unknown ramblock \"\(name)\", cannot accept migration")
        }
        return true
    }

    private func loadPage(address: UInt64, zero: Bool, reader: MainStreamReader) throws {
        guard address <= UInt64(memory.size - GuestMemory.pageSize) else {
            throw MigrationError("Illegal RAM offset \(hex(address))")
        }
        let page = memory.base + Int(address)
        if zero {
            let fill = try reader.get8()
            if fill != 0 || !GuestMemory.isZero(UnsafeRawPointer(page)) {
                page.initializeMemory(as: UInt8.self, repeating: fill, count: GuestMemory.pageSize)
            }
        } else {
            try reader.read(into: page, count: GuestMemory.pageSize)
        }
    }
}
