import Glibc
import POSIXSupport
import QEMUFormats

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
