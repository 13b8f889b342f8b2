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
    private let memory: GuestMemory
    private let uuid: [UInt8]
    private let detectZeroPages: Bool
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
        channels = connections.enumerated().map { MultiFDSendChannel(id: UInt8($0.offset), connection: $0.element) }
        self.memory = memory
        self.uuid = uuid
        self.detectZeroPages = detectZeroPages
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
        let worker = MultiFDSendWorker(memory: memory, detectZeroPages: detectZeroPages)
        do {
            if !mappedRAM {
                let sent = try worker.sendHello(MultiFDHello(uuid: uuid, id: channel.id), on: channel.connection)
                counters.multifdBytes.add(sent)
            }
            try serve(channel, worker: worker)
        } catch {
            if !hasFailed {
                fail(error)
            }
            channel.syncDone.post()
        }
    }

    private func serve(_ channel: MultiFDSendChannel, worker: MultiFDSendWorker) throws {
        while true {
            channelsReady.post()
            guard channel.wake.wait(unlessCancelled: stop) else {
                return
            }
            if channel.pendingJob.load(ordering: .acquiring) {
                try channel.slot.withLockedValue { try transmit($0, channel: channel, worker: worker) }
                channel.pendingJob.store(false, ordering: .releasing)
            } else if channel.pendingSync.exchange(false, ordering: .acquiringAndReleasing) {
                if mappedRAM {
                    // Only a local barrier: everything queued before it is in the file.
                    channel.syncDone.post()
                    continue
                }
                let number = packetNumber.wrappingAdd(1, ordering: .relaxed).oldValue
                counters.multifdBytes.add(try worker.sendSync(packetNumber: number, on: channel.connection))
                channel.syncDone.post()
            }
        }
    }

    private func transmit(_ slot: MultiFDSendSlot, channel: MultiFDSendChannel, worker: MultiFDSendWorker) throws {
        defer { slot.clear() }
        switch slot.kind {
        case .ram:
            let number = packetNumber.wrappingAdd(1, ordering: .relaxed).oldValue
            let start = HostClock.monotonicNanoseconds()
            let result = mappedRAM
                ? try worker.writeRAM(slot, pagesOffset: pagesOffset.load(ordering: .acquiring), to: channel.connection)
                : try worker.sendRAM(slot, packetNumber: number, on: channel.connection)
            if result.bytes >= ThroughputMeter.minimumBytes {
                meter.record(bytes: result.bytes, start: start, end: HostClock.monotonicNanoseconds())
            }
            counters.multifdBytes.add(result.bytes)
            counters.ramBytes.add(result.bytes)
            counters.addPages(normal: result.normal, zero: result.zero)
        case .deviceState:
            let size = MultiFDWire.deviceStateHeaderSize + slot.payload.count
            counters.multifdBytes.add(try meter.measure(bytes: size) {
                try worker.sendDeviceState(slot, on: channel.connection)
            })
            recycleDeviceStateBuffer(slot.takePayload())
        case .empty:
            break
        }
    }
}
