// A VFIO device's state over multifd (QEMU's hw/vfio/migration-multifd.c), both ends in one place: the 12-byte
// packet header the device puts in front of each chunk (`VFIODeviceStatePacket`), the source's save-thread loop
// that reads STOP_COPY data into packets and hands them to the transport (`VFIOMultiFDSaver`), and the
// destination's reorder buffer and load loop that write the packets to the device in idx order
// (`VFIOMultiFDLoader`). `VFIODevice+Migration.swift` drives them from the device's migration steps.

import Glibc
import POSIXSupport
import QEMUFormats

/// The 12-byte big-endian header of the payload VFIO hands to a multifd device-state packet
/// (`VFIODeviceStatePacket`, hw/vfio/migration-multifd.c): {version, idx, flags}, then data.
package struct VFIODeviceStatePacket: Equatable, Sendable {
    /// Size of the header in bytes.
    package static let headerSize = 12
    /// `VFIO_DEVICE_STATE_PACKET_VER_CURRENT`.
    package static let currentVersion: UInt32 = 0
    /// `VFIO_DEVICE_STATE_CONFIG_STATE`: the packet carries the config, and is the last one.
    package static let flagConfigState: UInt32 = 1
    /// The one index no packet may carry (QEMU uses it as "last index not known yet").
    package static let invalidIndex = UInt32.max

    /// Packet format version.
    package var version: UInt32
    /// Sequence number within the device's stream.
    package var idx: UInt32
    /// Flag bits.
    package var flags: UInt32

    /// Creates a header.
    package init(version: UInt32 = currentVersion, idx: UInt32, flags: UInt32 = 0) {
        self.version = version
        self.idx = idx
        self.flags = flags
    }

    /// Whether `VFIO_DEVICE_STATE_CONFIG_STATE` is set.
    package var isConfig: Bool { flags & Self.flagConfigState != 0 }

    /// Writes the header into the first 12 bytes of `buffer`.
    package func encode(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.headerSize, "VFIO packet buffer too small")
        buffer.storeBytes(of: version.bigEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: idx.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: flags.bigEndian, toByteOffset: 8, as: UInt32.self)
    }

    /// Reads the header from the first 12 bytes of `bytes` (the caller checks the length).
    package init(decoding bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Self.headerSize, "VFIO packet too short")
        version = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        idx = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        flags = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
    }

    /// Header followed by `data`, as one payload.
    package func payload(with data: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.headerSize + data.count) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            encode(into: raw)
            if data.count > 0 {
                raw.baseAddress!.advanced(by: Self.headerSize).copyMemory(from: data.baseAddress!, byteCount: data.count)
            }
            count = Self.headerSize + data.count
        }
    }
}

/// The body of a device's save thread at switchover in multifd mode
/// (`vfio_multifd_save_complete_precopy_thread`): reads the STOP_COPY stream in
/// chunks of at most `dataBufferSize`, sends each as packet idx 0, 1, …, then sends the config
/// as the last packet (idx N, flag CONFIG_STATE).
struct VFIOMultiFDSaver {
    /// Section idstr, instance id and device name for messages.
    var deviceName: String
    var idstr: String
    var instanceID: UInt32
    var backend: any VFIOMigrationBackend
    var dataBufferSize: Int
    var config: VFIODeviceConfig
    /// Called after each packet was handed over: (device data bytes, packet bytes).
    var didSend: (_ dataBytes: Int, _ packetBytes: Int) -> Void

    /// Runs the loop; the device must already be in STOP_COPY. Each chunk is read straight into a packet buffer
    /// from `buffers` (a recycled one, any length) that `send` then takes over.
    func run(send: VFIOPacketSender, buffers: () -> [UInt8], isAborted: () -> Bool) throws {
        var idx: UInt32 = 0
        while true {
            if isAborted() { throw VFIOError.cancelled }
            var packet = buffers()
            let count = try readChunk(into: &packet, idx: idx)
            if count == 0 { break }
            try sendPacket(packet, idx: idx, dataCount: count, send: send)
            idx += 1
        }
        try sendConfig(idx: idx, send: send)
    }

    /// Reads the next chunk into `packet` and makes it a complete packet (header + data); returns the data bytes.
    private func readChunk(into packet: inout [UInt8], idx: UInt32) throws -> Int {
        let headerSize = VFIODeviceStatePacket.headerSize
        packet.resizeForOverwrite(to: headerSize + dataBufferSize)
        let count: Int
        do {
            count = try packet.withUnsafeMutableBytes { bytes in
                try backend.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[headerSize...]))
            }
        } catch {
            throw VFIOError(
                "\(deviceName): reading state buffer \(idx) failed: \(VFIOBackendError.errnoValue(of: error))",
                detail: "\(error)")
        }
        packet.removeLast(dataBufferSize - count)
        packet.withUnsafeMutableBytes { VFIODeviceStatePacket(idx: idx).encode(into: $0) }
        return count
    }

    private func sendPacket(_ packet: [UInt8], idx: UInt32, dataCount: Int, send: VFIOPacketSender) throws {
        let size = packet.count
        do {
            try send(idstr, instanceID, packet)
        } catch {
            throw VFIOError("\(deviceName): multifd data queuing failed", detail: "\(error)")
        }
        didSend(dataCount, size)
    }

    private func sendConfig(idx: UInt32, send: VFIOPacketSender) throws {
        let data = VFIOMainChannelCodec.configStateBytes(config)
        let header = VFIODeviceStatePacket(idx: idx, flags: VFIODeviceStatePacket.flagConfigState)
        let payload = data.withUnsafeBytes { header.payload(with: $0) }
        do {
            try send(idstr, instanceID, payload)
        } catch {
            throw VFIOError("\(deviceName): multifd config data queuing failed", detail: "\(error)")
        }
        didSend(0, payload.count)
    }
}

/// Hands one device-state packet payload to the multifd send path: the section idstr and
/// instance id, then the payload (12-byte VFIO header + data). The payload is only valid
/// during the call; the transport copies it if it queues it. Throwing means queuing failed.
package typealias VFIOStateSender = (_ idstr: String, _ instanceID: UInt32, _ payload: UnsafeRawBufferPointer) throws -> Void

/// Like `VFIOStateSender`, but the payload array is handed over: the transport keeps it instead of copying it.
package typealias VFIOPacketSender = (_ idstr: String, _ instanceID: UInt32, _ payload: [UInt8]) throws -> Void

/// One device's destination side of multifd device-state transfer: the reorder buffer that
/// receive threads fill concurrently, and the load loop that writes the buffers to the device
/// strictly in idx order, then loads the config.
///
/// All state is guarded by one per-device pthread mutex (no global lock). The loop waits on
/// condition variables, so it must run on a dedicated thread; a packet, `shutdown()` or the
/// engine's cancellation wakes it.
///
/// Lock order: this mutex, then the device's session and progress locks (`applyConfig`,
/// counters), then the cancellation's registry. No callback into user code runs while this
/// mutex is held.
final class VFIOMultiFDLoader: @unchecked Sendable {
    /// What the loader needs from its device.
    struct Parameters: Sendable {
        var deviceName: String
        var backend: any VFIOMigrationBackend
        var maxQueuedBuffers: UInt64
        var maxQueuedBuffersSize: UInt64
        var loadConfigAfterIter: Bool
        var applyConfig: @Sendable (VFIODeviceConfig) -> Void
        var progress: VFIOProgressTracker
    }

    private let parameters: Parameters
    private let mutex = PThreadMutex()
    private let bufferReady = PThreadCondition()
    private let threadFinished = PThreadCondition()
    private let iterDoneCondition = PThreadCondition()

    // Guarded by `mutex`.
    /// Queued packets by idx (12-byte header + data).
    private var pending: [UInt32: [UInt8]] = [:]
    /// Buffers of loaded packets, kept for the next ones (their pages are already mapped).
    private var spareBuffers: [[UInt8]] = []
    private var loadIndex: UInt32 = 0
    private var lastIndex = VFIODeviceStatePacket.invalidIndex
    private var queuedBytes: UInt64 = 0
    private var queuedBuffers: UInt64 = 0
    private var threadRunning = false
    private var wantExit = false
    private var iterDone = false

    init(_ parameters: Parameters) {
        self.parameters = parameters
    }

    private var name: String { parameters.deviceName }

    /// Spare receive buffers ready for the next packets (for tests and diagnostics).
    var spareBufferCount: Int {
        mutex.withLock { spareBuffers.count }
    }

    /// Buffers and bytes waiting now (for tests and diagnostics).
    var queueState: (buffers: UInt64, bytes: UInt64) {
        mutex.withLock { (queuedBuffers, queuedBytes) }
    }

    // MARK: Receive side

    /// Queues the data of a validated packet (`vfio_load_state_buffer` after its header checks).
    /// A buffer of exactly `count` bytes to receive a packet into: a recycled one when available.
    func takeBuffer(count: Int) -> [UInt8] {
        var buffer = mutex.withLock { spareBuffers.popLast() } ?? []
        buffer.resizeForOverwrite(to: count)
        return buffer
    }

    /// Queues a validated packet (`vfio_load_state_buffer` after its header checks); `packet` is the whole
    /// payload, header included, and is kept as it is (no copy).
    func insert(_ header: VFIODeviceStatePacket, packet: [UInt8]) throws {
        let dataCount = packet.count - VFIODeviceStatePacket.headerSize
        let queue = try mutex.withLock { () throws -> (UInt64, UInt64) in
            // The config packet is the last one: its idx ends the stream.
            if header.isConfig { lastIndex = header.idx }
            try admit(header.idx, size: UInt64(dataCount))
            pending[header.idx] = packet
            queuedBuffers += 1
            bufferReady.signal()
            return (queuedBuffers, queuedBytes)
        }
        parameters.progress.update { progress in
            progress.bytesReceived += UInt64(dataCount)
            (progress.buffersQueued, progress.bytesQueued) = queue
        }
    }

    /// The duplicate, count and size checks, in QEMU's order (mutex held). Like QEMU, the size
    /// counter grows before its check and is not rolled back on failure.
    private func admit(_ idx: UInt32, size: UInt64) throws {
        // Consumed slots (below loadIndex) stay "present".
        guard idx >= loadIndex, pending[idx] == nil else {
            throw VFIOError("\(name): state buffer \(idx) already filled")
        }
        guard queuedBuffers < parameters.maxQueuedBuffers else {
            throw VFIOError("\(name): queuing state buffer \(idx) would exceed the max of \(parameters.maxQueuedBuffers)")
        }
        queuedBytes = queuedBytes.addingReportingOverflow(size).overflow ? .max : queuedBytes + size
        guard queuedBytes <= parameters.maxQueuedBuffersSize else {
            throw VFIOError(
                "\(name): queuing state buffer \(idx) would exceed the size max of \(parameters.maxQueuedBuffersSize)")
        }
    }

    /// `switchover_start`: from now on a load loop is (about to be) running, and `shutdown()`
    /// waits for it.
    func markThreadRunning() {
        mutex.withLock { threadRunning = true }
    }

    /// The main channel's CONFIG_LOAD_READY: lets a waiting loop load the config.
    func configLoadReady() throws {
        let duplicate = mutex.withLock { () -> Bool in
            guard !iterDone else { return true }
            iterDone = true
            iterDoneCondition.broadcast()
            return false
        }
        if duplicate { throw VFIOError("\(name): duplicate DEV_CONFIG_LOAD_READY") }
    }

    // MARK: Load loop

    /// The load loop (`vfio_load_bufs_thread`); blocks until every buffer and the config are
    /// loaded, or throws (`operation cancelled` on `shutdown()` or once `cancellation` fired).
    func run(cancellation: Cancellation) throws {
        mutex.lock()
        threadRunning = true
        defer {
            threadRunning = false
            threadFinished.broadcast()
            mutex.unlock()
        }
        try loadBuffers(cancellation: cancellation)
        if parameters.loadConfigAfterIter { try waitForIterDone(cancellation: cancellation) }
        try loadConfig()
    }

    private func loadBuffers(cancellation: Cancellation) throws {
        while true {
            // Check cancellation first: shutdown() signals bufferReady to get here.
            if wantExit || cancellation.isCancelled { throw VFIOError.cancelled }
            guard let data = pending[loadIndex] else {
                _ = bufferReady.wait(mutex, unlessCancelled: cancellation)
                continue
            }
            if loadIndex == lastIndex { return }
            pending[loadIndex] = nil
            queuedBuffers -= 1
            let index = loadIndex
            loadIndex += 1
            try write(data, index: index)
        }
    }

    /// Writes one buffer, releasing the mutex while the device works (mutex held on entry and exit).
    private func write(_ data: [UInt8], index: UInt32) throws {
        var offset = VFIODeviceStatePacket.headerSize
        while offset < data.count {
            mutex.unlock()
            parameters.progress.reportIfDue()
            let result = Result { () throws -> Int in
                try data.withUnsafeBytes { try parameters.backend.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            }
            mutex.lock()
            let written = try writtenCount(result, index: index)
            offset += written
            queuedBytes -= min(queuedBytes, UInt64(written))
            let queued = (queuedBuffers, queuedBytes)
            parameters.progress.record { progress in
                progress.bytesLoaded += UInt64(written)
                (progress.buffersQueued, progress.bytesQueued) = queued
            }
        }
        parameters.progress.record { $0.buffersLoaded += 1 }
        if spareBuffers.count < Self.maxSpareBuffers { spareBuffers.append(data) }
    }

    /// Maps spare receive buffers of `size` bytes ahead of time (at load setup, before the downtime), so that the
    /// switchover's first packets do not fault in fresh pages: `maxSpareBuffers`, fewer when the queue limits
    /// would not let that many packets wait at once.
    func prepareSpareBuffers(size: Int) {
        let byCount = parameters.maxQueuedBuffers
        let bySize = parameters.maxQueuedBuffersSize / UInt64(max(size, 1))
        let count = Int(min(UInt64(Self.maxSpareBuffers), byCount, bySize))
        let buffers = (0..<count).map { _ in [UInt8](repeating: 0, count: size) }
        mutex.withLock { spareBuffers.append(contentsOf: buffers) }
    }

    /// Loaded buffers kept for reuse: enough for the packets in flight while the device keeps up.
    static let maxSpareBuffers = 8

    private func writtenCount(_ result: Result<Int, any Error>, index: UInt32) throws -> Int {
        switch result {
        case .success(let count) where count > 0:
            return count
        case .success:
            throw VFIOError("\(name): writing state buffer \(index) failed: \(EIO)")
        case .failure(let error):
            throw VFIOError(
                "\(name): writing state buffer \(index) failed: \(VFIOBackendError.errnoValue(of: error))",
                detail: "\(error)")
        }
    }

    private func waitForIterDone(cancellation: Cancellation) throws {
        while !iterDone {
            _ = iterDoneCondition.wait(mutex, unlessCancelled: cancellation)
            // Re-check right after the wait: shutdown() signals iterDone to get here.
            if wantExit || cancellation.isCancelled { throw VFIOError.cancelled }
        }
    }

    /// Loads the config packet's data: be64 DEV_CONFIG_STATE, config, be64 END_OF_STATE.
    private func loadConfig() throws {
        let packet = pending.removeValue(forKey: lastIndex) ?? []
        let data = Array(packet.dropFirst(VFIODeviceStatePacket.headerSize))
        queuedBuffers -= 1
        queuedBytes -= min(queuedBytes, UInt64(data.count))
        let queued = (queuedBuffers, queuedBytes)
        parameters.progress.record { progress in
            progress.phase = .loadingConfig
            (progress.buffersQueued, progress.bytesQueued) = queued
        }
        var reader = ByteArrayReader(deviceState: data)
        let tag = (try? reader.readBE64()) ?? 0
        guard tag == VFIOStreamTag.devConfigState.rawValue else {
            throw VFIOError("\(name): expected FLAG_DEV_CONFIG_STATE but got \(String(tag, radix: 16))")
        }
        do {
            parameters.applyConfig(try VFIOMainChannelCodec.readConfigBody(from: &reader, deviceName: name))
        } catch {
            throw VFIOError("\(name): vfio_load_device_config_state() failed: \(-EINVAL)", detail: "\(error)")
        }
    }

    // MARK: Cleanup

    /// `vfio_load_cleanup_load_bufs_thread`: asks a running loop to exit, wakes it, waits until
    /// it has finished, and drops every queued buffer. Later `run` calls exit at once.
    func shutdown() {
        mutex.withLock {
            wantExit = true
            bufferReady.broadcast()
            iterDoneCondition.broadcast()
            while threadRunning {
                threadFinished.wait(mutex)
            }
            pending.removeAll()
            spareBuffers.removeAll()
            queuedBuffers = 0
            queuedBytes = 0
        }
    }
}
