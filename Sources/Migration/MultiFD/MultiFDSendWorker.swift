import Glibc
import Synchronization

/// Per-thread buffers of a send channel: the packet header, the iovec array and the zero-page list.
final class MultiFDSendWorker {
    private let header: UnsafeMutableRawPointer
    private let vector: UnsafeMutablePointer<iovec>
    private let zeroOffsets: UnsafeMutablePointer<UInt64>
    private let memory: GuestMemory
    private let detectZeroPages: Bool

    init(memory: GuestMemory, detectZeroPages: Bool) {
        self.memory = memory
        self.detectZeroPages = detectZeroPages
        header = .allocate(byteCount: MultiFDWire.ramHeaderSize, alignment: 16)
        header.initializeMemory(as: UInt8.self, repeating: 0, count: MultiFDWire.ramHeaderSize)
        vector = .allocate(capacity: MultiFDWire.pagesPerPacket + 1)
        zeroOffsets = .allocate(capacity: MultiFDWire.pagesPerPacket)
    }

    deinit {
        header.deallocate()
        vector.deallocate()
        zeroOffsets.deallocate()
    }

    /// Sends the hello; returns the bytes written.
    func sendHello(_ hello: MultiFDHello, on connection: SocketConnection) throws -> Int {
        let bytes = hello.encode()
        try connection.writeAll(bytes)
        return bytes.count
    }

    /// Sends a RAM packet: zero pages by offset only, normal pages straight from guest RAM in one `sendmsg`.
    /// Returns (bytes written, normal pages, zero pages).
    func sendRAM(_ slot: MultiFDSendSlot, packetNumber: UInt64,
                 on connection: SocketConnection) throws -> (bytes: Int, normal: Int, zero: Int) {
        var normal = 0
        var zero = 0
        for index in 0..<slot.pageCount {
            let offset = slot.offsets[index]
            let page = memory.base + Int(offset)
            if detectZeroPages && GuestMemory.isZero(UnsafeRawPointer(page)) {
                zeroOffsets[zero] = offset
                zero += 1
            } else {
                header.storeBE64(offset, at: MultiFDWire.ramFixedSize + 8 * normal)
                normal += 1
                vector[normal] = iovec(iov_base: page, iov_len: GuestMemory.pageSize)
            }
        }
        for index in 0..<zero {
            header.storeBE64(zeroOffsets[index], at: MultiFDWire.ramFixedSize + 8 * (normal + index))
        }
        clearOffsets(from: normal + zero)
        MultiFDRAMPacket.storeHeader(at: header, flags: 0, pagesAlloc: UInt32(MultiFDWire.pagesPerPacket),
                                     packetNumber: packetNumber, normalCount: normal, zeroCount: zero,
                                     blockName: memory.blockName)
        vector[0] = iovec(iov_base: header, iov_len: MultiFDWire.ramHeaderSize)
        try connection.writevAll(vector, count: normal + 1)
        return (MultiFDWire.ramHeaderSize + normal * GuestMemory.pageSize, normal, zero)
    }

    /// mapped-ram: writes the slot's pages into the file at `pagesOffset` + each page's offset, one `pwrite` per
    /// run of consecutive pages (no header: the destination finds pages by the bitmap). Zero pages were already
    /// left out by the migration thread. Returns (bytes written, normal pages, 0).
    func writeRAM(_ slot: MultiFDSendSlot, pagesOffset: UInt64,
                  to connection: SocketConnection) throws -> (bytes: Int, normal: Int, zero: Int) {
        var index = 0
        while index < slot.pageCount {
            let first = slot.offsets[index]
            var end = index + 1
            while end < slot.pageCount && slot.offsets[end] == first + UInt64((end - index) * GuestMemory.pageSize) {
                end += 1
            }
            try connection.writeAll(memory.base + Int(first), count: (end - index) * GuestMemory.pageSize,
                                    at: pagesOffset + first)
            index = end
        }
        return (slot.pageCount * GuestMemory.pageSize, slot.pageCount, 0)
    }

    /// Sends a SYNC packet (full-length header, no pages). Returns the bytes written.
    func sendSync(packetNumber: UInt64, on connection: SocketConnection) throws -> Int {
        clearOffsets(from: 0)
        MultiFDRAMPacket.storeHeader(at: header, flags: MultiFDWire.flagSync, pagesAlloc: 0,
                                     packetNumber: packetNumber, normalCount: 0, zeroCount: 0)
        try connection.writeAll(header, count: MultiFDWire.ramHeaderSize)
        return MultiFDWire.ramHeaderSize
    }

    /// Sends a device-state packet: the 276-byte header and the payload in one `sendmsg`. Returns bytes written.
    func sendDeviceState(_ slot: MultiFDSendSlot, on connection: SocketConnection) throws -> Int {
        let packet = MultiFDDeviceStateHeader(idstr: slot.idstr, instanceID: slot.instanceID,
                                              payloadSize: UInt32(slot.payload.count))
        packet.store(at: header)
        try slot.payload.withUnsafeBytes { payload in
            vector[0] = iovec(iov_base: header, iov_len: MultiFDWire.deviceStateHeaderSize)
            vector[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress!), iov_len: payload.count)
            try connection.writevAll(vector, count: 2)
        }
        return MultiFDWire.deviceStateHeaderSize + slot.payload.count
    }

    private func clearOffsets(from index: Int) {
        let start = MultiFDWire.ramFixedSize + 8 * index
        (header + start).initializeMemory(as: UInt8.self, repeating: 0, count: MultiFDWire.ramHeaderSize - start)
    }
}
