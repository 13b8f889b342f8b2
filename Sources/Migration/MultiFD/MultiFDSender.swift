// The multifd send side (QEMU's multifd_send()): `MultiFDSender`, the path RAM and device state share (a producer
// hands a filled `MultiFDSendSlot` to an idle channel; each channel's thread writes it), and `MultiFDSendChannel`,
// one channel with its socket, its slot, its semaphores and the packet writers its thread calls (hello, RAM, SYNC,
// device state; mapped-ram's page writes).

import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// The multifd send path shared by RAM (migration thread) and device state (save threads), after QEMU's
/// `multifd_send()`: a producer hands a filled slot to an idle channel by swapping it for the channel's empty
/// one. When every channel is busy the producer blocks (the only back-pressure); once any channel has failed
/// every call fails fast.
///
/// Waiting: a producer waits for an idle channel (`channelsReady`, one token per idle channel) before it takes
/// `sendLock`, and every wait names `stop`, which `terminate()` fires: a failure wakes every blocked producer and
/// channel thread at once.
///
/// Lock order: `deviceSlot`, then `sendLock`, then a channel's `slot`. `spareDeviceBuffers` is a leaf. No thread
/// blocks on a semaphore while holding `sendLock`, except `sync()`, which waits for the channels it woke (they take
/// no lock of the sender's to get there).
package final class MultiFDSender: Sendable {
    let channels: [MultiFDSendChannel]
    private let channelsReady = Semaphore()
    private let sendLock = NIOLockedValueBox<Int>(0)
    private let deviceSlot = NIOLockedValueBox(MultiFDSendSlot())
    /// Payload buffers of sent device-state packets, for the next ones (see `takeDeviceStateBuffer`).
    private let spareDeviceBuffers = NIOLockedValueBox<[[UInt8]]>([])
    /// Fired once a channel failed or the send path was shut down.
    private let stop = Cancellation()
    private let packetNumber = Atomic<UInt64>(0)
    private let threads = ThreadGroup()
    private let errors: ErrorSlot
    private let counters: MigrationCounters
    private let uuid: [UInt8]
    /// mapped-ram (`file:`): no hello, no packet headers, no SYNC packets; each channel writes its pages into the
    /// file at `pagesOffset` + the page's offset (QEMU 10.0's multifd without packets).
    private let mappedRAM: Bool
    private let pagesOffset = Atomic<UInt64>(0)
    private let cpuTime: CPUTimeAccumulator?

    /// Largest device-state payload accepted by `queueDeviceState` (the destination's limit).
    package static let maxDeviceStatePayload = MultiFDWire.maxDeviceStatePayload

    init(connections: [SocketConnection], memory: GuestMemory, uuid: [UInt8], detectZeroPages: Bool,
         mappedRAM: Bool = false, errors: ErrorSlot, counters: MigrationCounters, cpuTime: CPUTimeAccumulator?) {
        self.mappedRAM = mappedRAM
        channels = connections.enumerated().map {
            MultiFDSendChannel(id: UInt8($0.offset), connection: $0.element, memory: memory, detectZeroPages: detectZeroPages)
        }
        self.uuid = uuid
        self.errors = errors
        self.counters = counters
        self.cpuTime = cpuTime
    }

    /// Starts one thread per channel; each sends its hello first.
    func start() throws {
        for channel in channels {
            try threads.spawn(name: "multifdsend_\(channel.id)", cpuTime: cpuTime) { [self] in
                run(channel)
            }
        }
    }

    /// mapped-ram: the file offset of the RAM block's pages region (set by RAM's setup, before any page is queued).
    func setMappedRAMPagesOffset(_ offset: UInt64) {
        pagesOffset.store(offset, ordering: .releasing)
    }

    /// Times the channels' packets together, for the link estimate.
    let meter = ThroughputMeter()

    /// True once a channel failed or the send path was shut down.
    package var hasFailed: Bool {
        stop.isCancelled
    }

    /// Queues one device-state packet (QEMU's `multifd_queue_device_state`): the payload is sent after a 276-byte
    /// header naming `idstr`/`instanceID`, on whichever channel is idle. Thread-safe; blocks while every channel is
    /// busy; throws once the send path has failed.
    package func queueDeviceState(idstr: String, instanceID: UInt32, payload: [UInt8]) throws {
        try checkDeviceState(idstr: idstr, size: payload.count)
        try enqueueDeviceState { $0.setDeviceState(idstr: idstr, instanceID: instanceID, payload: payload) }
    }

    /// Like `queueDeviceState(idstr:instanceID:payload:)` for a payload in the caller's buffer, which is copied
    /// (into a recycled buffer) before the call returns, so the caller may reuse it at once.
    package func queueDeviceState(idstr: String, instanceID: UInt32, payload: UnsafeRawBufferPointer) throws {
        var copy = takeDeviceStateBuffer()
        copy.removeAll(keepingCapacity: true)
        copy.append(contentsOf: payload)
        try queueDeviceState(idstr: idstr, instanceID: instanceID, payload: copy)
    }

    /// A buffer that carried an earlier device-state packet (contents and length arbitrary), or an empty array:
    /// a producer that fills it and queues it reuses memory that is already mapped instead of allocating and
    /// faulting in fresh pages for every packet.
    package func takeDeviceStateBuffer() -> [UInt8] {
        spareDeviceBuffers.withLockedValue { $0.popLast() } ?? []
    }

    /// Maps up to `count` spare device-state buffers of `size` bytes ahead of time (at migration setup, while the
    /// VM still runs), so that the packets of the switchover reuse memory instead of faulting in fresh pages during
    /// the downtime. Each device-state producer calls it; the spare pool stops at `maxSpareDeviceBuffers`.
    package func prepareDeviceStateBuffers(count: Int, size: Int) {
        guard size > 0, size <= Self.maxSpareDeviceBufferCapacity else { return }
        let missing = spareDeviceBuffers.withLockedValue { max(0, min(count, Self.maxSpareDeviceBuffers - $0.count)) }
        let buffers = (0..<missing).map { _ in [UInt8](repeating: 0, count: size) }
        spareDeviceBuffers.withLockedValue { spare in
            spare.append(contentsOf: buffers.prefix(Self.maxSpareDeviceBuffers - spare.count))
        }
    }

    /// Most spare buffers kept, and the largest kept (bytes of capacity).
    static let maxSpareDeviceBuffers = 16
    static let maxSpareDeviceBufferCapacity = 4 << 20

    private func recycleDeviceStateBuffer(_ buffer: [UInt8]) {
        guard buffer.capacity <= Self.maxSpareDeviceBufferCapacity else { return }
        spareDeviceBuffers.withLockedValue { spare in
            if spare.count < Self.maxSpareDeviceBuffers { spare.append(buffer) }
        }
    }

    private func checkDeviceState(idstr: String, size: Int) throws {
        guard idstr.utf8.count < MultiFDWire.nameFieldSize else {
            throw MigrationError("multifd: device state idstr '\(idstr)' is longer than 255 bytes")
        }
        guard size > 0, size <= Self.maxDeviceStatePayload else {
            throw MigrationError("multifd: device state payload of \(size) bytes is out of range "
                + "(1...\(Self.maxDeviceStatePayload))")
        }
    }

    /// Fills the shared device-state slot under the queue lock and hands it to a channel.
    private func enqueueDeviceState(_ fill: (MultiFDSendSlot) -> Void) throws {
        try deviceSlot.withLockedValue { slot in
            fill(slot)
            do {
                try send(&slot)
            } catch {
                slot.clear()
                throw error
            }
        }
    }

    /// Hands `slot` to an idle channel and gives back that channel's empty slot.
    func send(_ slot: inout MultiFDSendSlot) throws {
        // A token stands for a channel that went idle and nobody has claimed yet.
        guard channelsReady.wait(unlessCancelled: stop) else { throw failure }
        try sendLock.withLockedValue { next in
            try checkNotExiting()
            var index = next % channels.count
            var scanned = 0
            while channels[index].pendingJob.load(ordering: .acquiring) {
                index = (index + 1) % channels.count
                scanned += 1
                if scanned % channels.count == 0 {
                    try checkNotExiting()
                }
            }
            next = index + 1
            let channel = channels[index]
            channel.slot.withLockedValue { swap(&$0, &slot) }
            channel.pendingJob.store(true, ordering: .releasing)
            channel.wake.post()
        }
    }

    /// Sends a SYNC packet on every channel after what each has queued, and waits until all are written
    /// (QEMU's `multifd_send_sync_main`).
    func sync() throws {
        try sendLock.withLockedValue { _ in
            for channel in channels {
                try checkNotExiting()
                channel.pendingSync.store(true, ordering: .releasing)
                channel.wake.post()
            }
            for channel in channels {
                guard channelsReady.wait(unlessCancelled: stop), channel.syncDone.wait(unlessCancelled: stop) else {
                    throw failure
                }
            }
        }
    }

    /// Records `error` (first wins), stops every channel and wakes blocked producers.
    func fail(_ error: any Error) {
        errors.record(error)
        terminate()
    }

    /// Stops the channels: fires `stop` (waking every waiting producer and channel thread) and shuts the sockets
    /// down.
    func terminate() {
        stop.cancel()
        for channel in channels {
            channel.connection.shutdown()
        }
    }

    /// Lets every channel finish its queued job, then ends the threads (successful completion).
    func finish() {
        sendLock.withLockedValue { _ in
            // Every channel gives a token back once its job is written: holding all of them, all are idle.
            for _ in channels {
                guard channelsReady.wait(unlessCancelled: stop) else { break }
            }
            stop.cancel()
        }
        join()
    }

    /// Waits for the channel threads.
    func join() {
        threads.join()
    }

    private var failure: MigrationError {
        errors.error ?? MigrationError("multifd: send channels are shutting down")
    }

    private func checkNotExiting() throws {
        if hasFailed {
            throw failure
        }
    }

    private func run(_ channel: MultiFDSendChannel) {
        do {
            if !mappedRAM {
                counters.multifdBytes.add(try channel.sendHello(MultiFDHello(uuid: uuid, id: channel.id)))
            }
            try serve(channel)
        } catch {
            if !hasFailed {
                fail(error)
            }
            channel.syncDone.post()
        }
    }

    private func serve(_ channel: MultiFDSendChannel) throws {
        while true {
            channelsReady.post()
            guard channel.wake.wait(unlessCancelled: stop) else {
                return
            }
            if channel.pendingJob.load(ordering: .acquiring) {
                try channel.slot.withLockedValue { try transmit($0, channel: channel) }
                channel.pendingJob.store(false, ordering: .releasing)
            } else if channel.pendingSync.exchange(false, ordering: .acquiringAndReleasing) {
                if mappedRAM {
                    // Only a local barrier: everything queued before it is in the file.
                    channel.syncDone.post()
                    continue
                }
                let number = packetNumber.wrappingAdd(1, ordering: .relaxed).oldValue
                counters.multifdBytes.add(try channel.sendSync(packetNumber: number))
                channel.syncDone.post()
            }
        }
    }

    private func transmit(_ slot: MultiFDSendSlot, channel: MultiFDSendChannel) throws {
        defer { slot.clear() }
        switch slot.kind {
        case .ram:
            let number = packetNumber.wrappingAdd(1, ordering: .relaxed).oldValue
            let start = HostClock.monotonicNanoseconds()
            let result = mappedRAM
                ? try channel.writeRAM(slot, pagesOffset: pagesOffset.load(ordering: .acquiring))
                : try channel.sendRAM(slot, packetNumber: number)
            if result.bytes >= ThroughputMeter.minimumBytes {
                meter.record(bytes: result.bytes, start: start, end: HostClock.monotonicNanoseconds())
            }
            counters.multifdBytes.add(result.bytes)
            counters.ramBytes.add(result.bytes)
            counters.addPages(normal: result.normal, zero: result.zero)
        case .deviceState:
            let size = MultiFDWire.deviceStateHeaderSize + slot.payload.count
            counters.multifdBytes.add(try meter.measure(bytes: size) {
                try channel.sendDeviceState(slot)
            })
            recycleDeviceStateBuffer(slot.takePayload())
        case .empty:
            break
        }
    }
}

/// One multifd send channel (QEMU's `MultiFDSendParams`): its socket, the slot it owns, the flags and semaphores
/// its thread waits on, and the buffers that thread writes packets with (the packet header, the iovec array and
/// the zero-page list).
final class MultiFDSendChannel: @unchecked Sendable {
    // @unchecked: `header`, `vector` and `zeroOffsets` are used only by the channel's own thread (`MultiFDSender`'s
    // `run`); every other member is Sendable.

    let id: UInt8
    let connection: SocketConnection
    /// The slot being sent (owned by the channel thread while `pendingJob` is true).
    let slot = NIOLockedValueBox(MultiFDSendSlot())
    let pendingJob = Atomic<Bool>(false)
    let pendingSync = Atomic<Bool>(false)
    /// Posted to wake the thread for a job or a sync.
    let wake = Semaphore()
    /// Posted by the thread once its SYNC packet is written.
    let syncDone = Semaphore()
    private let memory: GuestMemory
    private let detectZeroPages: Bool
    private let header: UnsafeMutableRawPointer
    private let vector: UnsafeMutablePointer<iovec>
    private let zeroOffsets: UnsafeMutablePointer<UInt64>

    init(id: UInt8, connection: SocketConnection, memory: GuestMemory, detectZeroPages: Bool) {
        self.id = id
        self.connection = connection
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
    func sendHello(_ hello: MultiFDHello) throws -> Int {
        let bytes = hello.encode()
        try connection.writeAll(bytes)
        return bytes.count
    }

    /// Sends a RAM packet: zero pages by offset only, normal pages straight from guest RAM in one `sendmsg`.
    /// Returns (bytes written, normal pages, zero pages).
    func sendRAM(_ slot: MultiFDSendSlot, packetNumber: UInt64) throws -> (bytes: Int, normal: Int, zero: Int) {
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
    func writeRAM(_ slot: MultiFDSendSlot, pagesOffset: UInt64) throws -> (bytes: Int, normal: Int, zero: Int) {
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
    func sendSync(packetNumber: UInt64) throws -> Int {
        clearOffsets(from: 0)
        MultiFDRAMPacket.storeHeader(at: header, flags: MultiFDWire.flagSync, pagesAlloc: 0,
                                     packetNumber: packetNumber, normalCount: 0, zeroCount: 0)
        try connection.writeAll(header, count: MultiFDWire.ramHeaderSize)
        return MultiFDWire.ramHeaderSize
    }

    /// Sends a device-state packet: the 276-byte header and the payload in one `sendmsg`. Returns bytes written.
    func sendDeviceState(_ slot: MultiFDSendSlot) throws -> Int {
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

/// A reusable unit of multifd work (QEMU's `MultiFDSendData`): up to 128 RAM page offsets, or one device-state
/// payload. Producers fill their own slot and swap it with an idle channel's empty one, so nothing is allocated
/// per packet on the RAM path.
final class MultiFDSendSlot: @unchecked Sendable {
    // @unchecked: a slot is owned by exactly one thread at a time; ownership moves under the channel's mutex
    // (swap) and is published with the channel's pendingJob flag (release/acquire).

    enum Kind {
        case empty, ram, deviceState
    }

    private(set) var kind = Kind.empty
    /// Byte offsets of RAM pages (capacity `MultiFDWire.pagesPerPacket`).
    let offsets: UnsafeMutablePointer<UInt64>
    private(set) var pageCount = 0
    private(set) var idstr = ""
    private(set) var instanceID: UInt32 = 0
    private(set) var payload: [UInt8] = []

    init() {
        offsets = .allocate(capacity: MultiFDWire.pagesPerPacket)
    }

    deinit {
        offsets.deallocate()
    }

    var isFull: Bool { pageCount == MultiFDWire.pagesPerPacket }
    var isEmpty: Bool { kind == .empty }

    /// Adds one RAM page offset (the slot must not be full).
    @inline(__always)
    func addPage(offset: UInt64) {
        offsets[pageCount] = offset
        pageCount += 1
        kind = .ram
    }

    /// Turns the slot into a device-state packet.
    func setDeviceState(idstr: String, instanceID: UInt32, payload: [UInt8]) {
        kind = .deviceState
        self.idstr = idstr
        self.instanceID = instanceID
        self.payload = payload
    }

    /// Moves the device-state payload out (for reuse) and empties the slot.
    func takePayload() -> [UInt8] {
        defer { clear() }
        var taken: [UInt8] = []
        swap(&taken, &payload)
        return taken
    }

    /// Empties the slot for reuse.
    func clear() {
        kind = .empty
        pageCount = 0
        payload = []
    }
}
