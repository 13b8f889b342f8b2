// A VFIO device's migration steps, in QEMU's names (hw/vfio/migration.c), as the engine's handler calls them:
// the device-state transitions and the VM run-state changes that drive them, the source's steps (setup, precopy
// iterations, the switchover's STOP_COPY data on the main channel or through the multifd save thread, cleanup),
// and the destination's (setup, multifd packets into the reorder buffer, the load thread, cleanup). The main
// channel's section parser is `VFIODevice+MainChannel.swift`; the multifd packet format, save loop and reorder
// buffer are `VFIOMultiFDTransfer.swift`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXSupport
import QEMUFormats

// MARK: - Device state and VM run state

extension VFIODevice {
    /// Moves the device to `target` (`vfio_migration_set_state`). On failure it tries
    /// `recover`; if that is ERROR or also fails, the device is reset (to RUNNING). Every state
    /// the device ends up in is reported as a `VFIO_MIGRATION` event.
    package func setState(_ target: VFIODeviceState, recover: VFIODeviceState) throws {
        guard target != deviceState else { return }
        do {
            _ = try backend.setState(target)
            didEnter(target)
        } catch {
            try recoverFromFailedTransition(to: target, recover: recover, error: error)
        }
    }

    /// `vfio_migration_set_state_or_reset`: `setState` with ERROR as recovery (reset on failure).
    package func setStateOrReset(_ target: VFIODeviceState) throws {
        try setState(target, recover: .error)
    }

    private func recoverFromFailedTransition(to target: VFIODeviceState, recover: VFIODeviceState, error: any Error) throws {
        let reason = String(cString: strerror(VFIOBackendError.errnoValue(of: error)))
        guard recover != .error else {
            resetDevice()
            throw VFIOError(
                "\(name): Failed setting device state to \(target.kernelName). Recover state is ERROR. Resetting device: \(reason)")
        }
        let failure = VFIOError("\(name): Failed setting device state to \(target.kernelName): \(reason)")
        do {
            _ = try backend.setState(recover)
            didEnter(recover)
        } catch {
            let recoverReason = String(cString: strerror(VFIOBackendError.errnoValue(of: error)))
            resetDevice()
            throw VFIOError(
                failure.message,
                detail: "\(name): Failed setting device in recover state, err: \(recoverReason). Resetting device")
        }
        throw failure
    }

    /// `VFIO_DEVICE_RESET`: the device is RUNNING again.
    package func resetDevice() {
        backend.reset()
        didEnter(.running)
    }

    /// The VM is about to start or stop (`vfio_vmstate_change_prepare`, P2P devices only):
    /// PRE_COPY → PRE_COPY_P2P, anything else → RUNNING_P2P.
    package func vmStateChangePrepare() throws {
        guard backend.supportsP2P else { return }
        try setStateOrReset(deviceState == .preCopy ? .preCopyP2P : .runningP2P)
    }

    /// The VM started or stopped (`vfio_vmstate_change`): running → RUNNING; stopped for a
    /// migration's switchover (`finishMigrate`) while in a precopy state → STOP_COPY;
    /// otherwise → STOP.
    package func vmStateChange(running: Bool, finishMigrate: Bool) throws {
        let target: VFIODeviceState
        if running {
            target = .running
        } else {
            target = deviceState.isPreCopy && finishMigrate ? .stopCopy : .stop
        }
        try setStateOrReset(target)
    }

    /// Records a new device state and reports it.
    func didEnter(_ state: VFIODeviceState) {
        let handler = session.withLockedValue { session -> (@Sendable (VFIOMigrationEvent) -> Void)? in
            session.deviceState = state
            return session.eventHandler
        }
        progress.update { $0.state = state }
        guard properties.withLockedValue({ $0.migrationEvents }), state.eventName != nil, let handler else { return }
        handler(VFIOMigrationEvent(deviceID: id, qomPath: qomPath, state: state))
    }
}

// MARK: - Source

extension VFIODevice {
    /// `VFIO_MIG_STOP_COPY_SIZE`: the STOP_COPY size reported when the device cannot tell (100 GiB).
    package static let unknownStopCopySize: UInt64 = 100 << 30

    /// `save_setup` (START section): snapshots the transfer mode (errors when multifd is forced
    /// on but unsupported), sizes the read buffer, moves a running PRE_COPY-capable device to
    /// PRE_COPY, and writes SETUP_STATE, END_OF_STATE.
    package func saveSetup<W: BigEndianWriter>(_ setup: VFIOMigrationSetup, to writer: inout W) throws {
        let multifd = try resolveTransferMode(setup)
        try writer.write(tag: .devSetupState)
        let reportedSize = try? backend.stopCopySize()
        let bufferSize = dataBufferSize(stopCopySize: reportedSize ?? UInt64(VFIOMainChannelCodec.defaultDataBufferSize))
        let loadConfigAfterIter = VFIOMultiFDSupport.resolveLoadConfigAfterIter(
            currentProperties.loadConfigAfterIter, setup: setup)
        let state = session.withLockedValue { session -> VFIODeviceState in
            session.role = .source
            session.multifdTransfer = multifd
            session.loadConfigAfterIter = loadConfigAfterIter
            session.switchoverAck = setup.switchoverAck
            session.dataBufferSize = bufferSize
            session.initialDataSent = false
            session.precopyInitSize = 0
            session.precopyDirtySize = 0
            return session.deviceState
        }
        progress.restart(mode: multifd ? .multifd : .mainChannel, state: state)
        if let reportedSize { progress.record { $0.streamSize = reportedSize } }
        try enterPreCopyIfSupported(from: state)
        try writer.write(tag: .endOfState)
    }

    /// The size of this device's largest device-state packet payload (12-byte header + one data buffer) when it
    /// sends its state over multifd in this migration, else nil. Valid after `saveSetup`.
    package var multifdPacketSize: Int? {
        session.withLockedValue { $0.multifdTransfer ? VFIODeviceStatePacket.headerSize + $0.dataBufferSize : nil }
    }

    /// min(1 MiB, STOP_COPY size); a device reporting 0 gets the default (QEMU would fail to
    /// allocate a 0-byte buffer).
    func dataBufferSize(stopCopySize: UInt64) -> Int {
        let defaultSize = VFIOMainChannelCodec.defaultDataBufferSize
        return stopCopySize == 0 ? defaultSize : Int(min(UInt64(defaultSize), stopCopySize))
    }

    func resolveTransferMode(_ setup: VFIOMigrationSetup) throws -> Bool {
        try VFIOMultiFDSupport.resolve(currentProperties.multifdTransfer, setup: setup, deviceName: name)
    }

    private func enterPreCopyIfSupported(from state: VFIODeviceState) throws {
        guard backend.supportsPreCopy else { return }
        switch state {
        case .running:
            try setState(.preCopy, recover: .running)
            queryPrecopySize()
            progress.update { $0.phase = .precopy }
        case .stop:
            break  // saveCompletePrecopy goes to STOP_COPY.
        default:
            throw VFIOError("\(name): Invalid device state \(state.rawValue)")
        }
    }

    /// Refreshes the precopy sizes from the device (zero when it cannot tell).
    func queryPrecopySize() {
        let info = (try? backend.precopyInfo()) ?? (initialBytes: 0, dirtyBytes: 0)
        session.withLockedValue {
            $0.precopyInitSize = info.initialBytes
            $0.precopyDirtySize = info.dirtyBytes
        }
    }

    /// Whether the engine should keep iterating this device (it is in a precopy state).
    package var isActiveIterate: Bool { deviceState.isPreCopy }

    /// Whether the destination must approve switchover for this device (`switchover-ack`).
    package var switchoverAckNeeded: Bool { backend.supportsPreCopy }

    /// `state_pending_estimate`: precopy bytes still expected (0 outside precopy).
    package func pendingEstimate() -> UInt64 {
        session.withLockedValue { $0.deviceState.isPreCopy ? $0.precopyInitSize + $0.precopyDirtySize : 0 }
    }

    /// `state_pending_exact`: the STOP_COPY size (100 GiB if unknown); in precopy, refreshes the precopy sizes and
    /// the stream size the progress reports.
    package func pendingExact() -> UInt64 {
        let reported = try? backend.stopCopySize()
        if deviceState.isPreCopy {
            queryPrecopySize()
            if let reported { recordStreamSize(pending: reported) }
        }
        return reported ?? Self.unknownStopCopySize
    }

    /// Records the stream size at STOP_COPY entry: bytes read so far plus the STOP_COPY size the device reports
    /// (kept as it was when the device cannot tell).
    func recordStopCopyStreamSize() {
        if let reported = try? backend.stopCopySize() { recordStreamSize(pending: reported) }
    }

    private func recordStreamSize(pending: UInt64) {
        progress.record { $0.streamSize = $0.bytesRead + pending }
    }

    /// `save_live_iterate` (PART section): a burst of precopy data (up to `VFIOPrecopyBurst.maximumChunks` chunks
    /// or its time limit, until the device has none), then END_OF_STATE, or INIT_DATA_SENT once when switchover-ack
    /// is on and the initial data is drained. QEMU reads one chunk per iteration; vmig reads a burst back to back
    /// before writing it, which moves precopy data sooner and shows the rate the device itself sustains (see
    /// `VFIORateObserver`).
    package func saveIterate<W: BigEndianWriter>(to writer: inout W) throws {
        var buffers = takeReadBuffers()
        defer { returnReadBuffers(buffers) }
        prepareReadBuffers(&buffers)
        // Timed on a clock that leaves out the time this thread waited for a CPU: the rate is the device's, not the
        // host's other work. The buffers are ready before the clock starts, so a first burst does not time page faults.
        var burst = VFIOPrecopyBurst()
        var counts: [Int] = []
        var last = HostClock.threadUnqueuedNanoseconds()
        repeat {
            if buffers.count == counts.count { buffers.append([]) }
            let count = try readBlock(into: &buffers[counts.count])
            let now = HostClock.threadUnqueuedNanoseconds()
            burst.chunkRead(bytes: count, nanoseconds: now > last ? now - last : 0)
            last = max(now, last)
            counts.append(count)
        } while burst.wantsMore
        if let sustained = burst.sustained {
            rates.recordRead(bytes: sustained.bytes, nanoseconds: sustained.nanoseconds)
        }
        var sendInitDataSent = false
        for (index, count) in counts.enumerated() {
            try writeBlock(buffers[index][..<count], to: &writer)
            let drained = session.withLockedValue { session -> Bool in
                session.updateEstimatedPendingData(count)
                guard session.switchoverAck, session.precopyInitSize == 0, !session.initialDataSent else { return false }
                session.initialDataSent = true
                return true
            }
            sendInitDataSent = sendInitDataSent || drained
        }
        try writer.write(tag: sendInitDataSent ? .devInitDataSent : .endOfState)
    }

    /// Reads one chunk from the device and writes it as DATA_STATE; returns the data bytes (0: it had none).
    func saveBlock<W: BigEndianWriter>(to writer: inout W) throws -> Int {
        var buffers = takeReadBuffers()
        defer { returnReadBuffers(buffers) }
        if buffers.isEmpty { buffers.append([]) }
        let count = try readBlock(into: &buffers[0])
        try writeBlock(buffers[0][..<count], to: &writer)
        return count
    }

    /// Reads one chunk (at most the data buffer size) from the device into `buffer`, which is sized to the data
    /// buffer once and then reused; returns the bytes read (0 when the device has nothing).
    func readBlock(into buffer: inout [UInt8]) throws -> Int {
        sizeReadBuffer(&buffer)
        do {
            return try buffer.withUnsafeMutableBytes { try backend.read(into: $0) }
        } catch {
            throw VFIOError("\(name): reading device state failed: \(VFIOBackendError.errnoValue(of: error))", detail: "\(error)")
        }
    }

    /// Sizes as many read buffers as this burst will likely fill: the precopy data the device reported, in chunks,
    /// at least one and at most a burst's worth.
    private func prepareReadBuffers(_ buffers: inout [[UInt8]]) {
        // The sizes are the device's report: saturating, whatever it claims.
        let (pending, size) = session.withLockedValue { session in
            (session.precopyInitSize.addingReportingOverflow(session.precopyDirtySize).overflow
                ? UInt64.max : session.precopyInitSize + session.precopyDirtySize,
             UInt64(max(session.dataBufferSize, 1)))
        }
        let chunks = min(UInt64(VFIOPrecopyBurst.maximumChunks), max(1, pending / size + (pending % size == 0 ? 0 : 1)))
        while buffers.count < Int(chunks) { buffers.append([]) }
        for index in 0..<Int(chunks) { sizeReadBuffer(&buffers[index]) }
    }

    private func sizeReadBuffer(_ buffer: inout [UInt8]) {
        let size = session.withLockedValue { $0.dataBufferSize }
        if buffer.count != size { buffer = [UInt8](repeating: 0, count: size) }
    }

    /// The device's read buffers, taken out of the session for one iteration. They are kept across iterations so
    /// that a burst times the device, not the page faults of fresh buffers (which made a fast device look several
    /// times slower in precopy than at stop-copy), and freed at `saveCleanup`.
    private func takeReadBuffers() -> [[UInt8]] {
        session.withLockedValue { session in
            defer { session.readBuffers = [] }
            return session.readBuffers
        }
    }

    private func returnReadBuffers(_ buffers: [[UInt8]]) {
        session.withLockedValue { $0.readBuffers = buffers }
    }

    /// Writes a chunk read by `readBlock` as DATA_STATE (nothing for an empty one) and counts it.
    func writeBlock<W: BigEndianWriter>(_ chunk: ArraySlice<UInt8>, to writer: inout W) throws {
        guard !chunk.isEmpty else { return }
        try chunk.withUnsafeBytes { try VFIOMainChannelCodec.writeDataChunk($0, to: &writer) }
        transferStats.add(UInt64(chunk.count))
        progress.update {
            $0.bytesRead += UInt64(chunk.count)
            $0.bytesSent += UInt64(chunk.count + 16)
        }
    }

    /// `save_live_complete_precopy` (END section). Multifd mode: only END_OF_STATE (the save
    /// thread sends the data). Main-channel mode: STOP_COPY, every chunk, END_OF_STATE.
    package func saveCompletePrecopy<W: BigEndianWriter>(to writer: inout W) throws {
        guard !multifdTransferEnabled else {
            try writer.write(tag: .endOfState)
            return
        }
        let started = stopCopyStart()
        try setState(.stopCopy, recover: .stop)
        recordStopCopyStreamSize()
        progress.update { $0.phase = .stopCopy }
        while try saveBlock(to: &writer) > 0 {}
        recordStopCopyRate(since: started)
        try writer.write(tag: .endOfState)
    }

    /// `save_complete_precopy_thread`, run on its own pool thread at switchover. A no-op in
    /// main-channel mode. Otherwise: STOP_COPY (recovering to STOP), then every chunk as a
    /// packet through `send`, then the config packet. `isAborted` is checked before each chunk
    /// (→ `operation cancelled`).
    package func saveCompletePrecopyThread(send: VFIOStateSender, isAborted: () -> Bool) throws {
        try saveCompletePrecopyThread(
            sendPackets: { idstr, instanceID, packet in try packet.withUnsafeBytes { try send(idstr, instanceID, $0) } },
            buffers: { [] }, isAborted: isAborted)
    }

    /// `saveCompletePrecopyThread(send:isAborted:)` for a transport that takes packet buffers over: each chunk is
    /// read straight into a buffer from `buffers` (e.g. one the transport recycled) and handed to `sendPackets`.
    package func saveCompletePrecopyThread(
        sendPackets send: VFIOPacketSender, buffers: () -> [UInt8], isAborted: () -> Bool
    ) throws {
        let (enabled, bufferSize, config, instanceID) = session.withLockedValue {
            ($0.multifdTransfer, $0.dataBufferSize, $0.config, $0.instanceID)
        }
        guard enabled else { return }
        let started = stopCopyStart()
        try setState(.stopCopy, recover: .stop)
        recordStopCopyStreamSize()
        progress.update { $0.phase = .stopCopy }
        let saver = VFIOMultiFDSaver(
            deviceName: name, idstr: idstr, instanceID: instanceID, backend: backend, dataBufferSize: bufferSize,
            config: config
        ) { [progress, transferStats] dataBytes, packetBytes in
            transferStats.add(UInt64(packetBytes))
            progress.update {
                $0.bytesRead += UInt64(dataBytes)
                $0.bytesSent += UInt64(packetBytes)
            }
        }
        do {
            try saver.run(send: send, buffers: buffers, isAborted: isAborted)
        } catch {
            vfioLog.warning("\(name): save thread failed: \(error)")
            throw error
        }
        recordStopCopyRate(since: started)
        progress.finish { _ in }
    }

    /// When and at how many bytes read a stop-copy started.
    private func stopCopyStart() -> (time: UInt64, bytesRead: UInt64) {
        (HostClock.monotonicNanoseconds(), progress.snapshot.bytesRead)
    }

    /// Records the whole stop-copy that began at `start` with the device's rate observer.
    private func recordStopCopyRate(since start: (time: UInt64, bytesRead: UInt64)) {
        let bytes = progress.snapshot.bytesRead &- start.bytesRead
        rates.recordStopCopy(bytes: bytes, nanoseconds: HostClock.monotonicNanoseconds() - start.time)
    }

    /// What the device will still move at switchover, for the engine's downtime model: the STOP_COPY size it
    /// reports (100 GiB when it cannot tell), its observed rate, and whether it goes over multifd.
    package var switchoverCost: (bytes: UInt64, rate: Double?, parallel: Bool) {
        ((try? backend.stopCopySize()) ?? Self.unknownStopCopySize, rates.ownRate, multifdTransferEnabled)
    }

    /// `save_state` (FULL section). Main-channel mode: CONFIG_STATE, config, END_OF_STATE.
    /// Multifd mode: CONFIG_LOAD_READY when load-config-after-iter is on, else END_OF_STATE.
    package func saveState<W: BigEndianWriter>(to writer: inout W) throws {
        let (multifd, afterIter, config) = session.withLockedValue { ($0.multifdTransfer, $0.loadConfigAfterIter, $0.config) }
        guard multifd else {
            try VFIOMainChannelCodec.writeConfigState(config, to: &writer)
            return
        }
        try writer.write(tag: afterIter ? .devConfigLoadReady : .endOfState)
    }

    /// `save_cleanup`: a device left in STOP_COPY goes to STOP (after the downtime).
    package func saveCleanup() {
        session.withLockedValue { $0.readBuffers = [] }
        if deviceState == .stopCopy { try? setStateOrReset(.stop) }
    }

    /// The engine's verdict on the migration: a failed or cancelled source device returns to
    /// RUNNING (QEMU's precopy-failed notifier); a destination device whose load failed is reset
    /// (RUNNING, empty state, no half-written record left in RESUMING), ready for the next incoming
    /// migration (QEMU's destination would exit instead); the final progress report is sent.
    package func migrationFinished(_ outcome: VFIOMigrationOutcome) {
        let role = session.withLockedValue { $0.role }
        if outcome != .completed, role == .source { try? setStateOrReset(.running) }
        if outcome != .completed, role == .destination { resetDevice() }
        progress.finish { progress in
            switch outcome {
            case .completed: progress.phase = .completed
            case .failed: progress.phase = .failed
            case .cancelled: progress.phase = .cancelled
            }
        }
    }
}

// MARK: - Destination

extension VFIODevice {
    /// `load_setup`: snapshots the transfer mode (same rule and error as the source), creates
    /// the reorder buffer in multifd mode, clears the emulated config and moves the device to
    /// RESUMING.
    package func loadSetup(_ setup: VFIOMigrationSetup) throws {
        let multifd = try resolveTransferMode(setup)
        let properties = currentProperties
        let afterIter = VFIOMultiFDSupport.resolveLoadConfigAfterIter(properties.loadConfigAfterIter, setup: setup)
        let loader = multifd ? makeLoader(properties: properties, loadConfigAfterIter: afterIter) : nil
        loader?.prepareSpareBuffers(size: VFIODeviceStatePacket.headerSize + VFIOMainChannelCodec.defaultDataBufferSize)
        let (state, previous) = session.withLockedValue { session -> (VFIODeviceState, VFIOMultiFDLoader?) in
            let previous = session.loader
            session.role = .destination
            session.multifdTransfer = multifd
            session.loadConfigAfterIter = afterIter
            session.switchoverAck = setup.switchoverAck
            session.loader = loader
            session.config = .unprogrammed(deviceID: id)
            return (session.deviceState, previous)
        }
        // Outside the session lock: a running loader takes it to apply the config.
        previous?.shutdown()
        progress.restart(mode: multifd ? .multifd : .mainChannel, state: state)
        try setState(.resuming, recover: state)
        progress.update { $0.phase = .resuming }
    }

    private func makeLoader(properties: VFIOProperties, loadConfigAfterIter: Bool) -> VFIOMultiFDLoader {
        let limits = queueLimits(properties)
        return VFIOMultiFDLoader(
            VFIOMultiFDLoader.Parameters(
                deviceName: name, backend: backend, maxQueuedBuffers: limits.buffers,
                maxQueuedBuffersSize: limits.bytes, loadConfigAfterIter: loadConfigAfterIter,
                applyConfig: { [weak self] config in self?.applyLoadedConfig(config) }, progress: progress))
    }

    /// The reorder buffer's limits. QEMU leaves both unlimited by default, so a peer that never sends idx 0 can
    /// make the destination hold everything else it sends; vmig bounds a property left at its default
    /// (UINT64_MAX): bytes to the device's whole state (its STOP_COPY size, which no legitimate stream exceeds
    /// even if every packet waits) plus `queueSlack`, or `fallbackQueueBytes` when the backend cannot tell;
    /// buffers to one per 4 KiB of that, plus 64 (so tiny packets cannot cost more in bookkeeping than in data).
    func queueLimits(_ properties: VFIOProperties) -> (buffers: UInt64, bytes: UInt64) {
        var bytes = properties.maxQueuedBuffersSize
        if bytes == .max {
            let stateBytes = (try? backend.stopCopySize()) ?? Self.fallbackQueueBytes
            bytes = stateBytes.addingReportingOverflow(Self.queueSlack).overflow ? .max : stateBytes + Self.queueSlack
        }
        var buffers = properties.maxQueuedBuffers
        if buffers == .max {
            buffers = bytes / 4096 + 64
        }
        return (buffers, bytes)
    }

    /// Bytes allowed beyond the device's state size by default: the config packet and generous rounding.
    static let queueSlack: UInt64 = 4 << 20
    /// The default byte limit of a device whose backend does not report its state size.
    static let fallbackQueueBytes: UInt64 = 256 << 20

    /// Installs a config that arrived from the source.
    func applyLoadedConfig(_ config: VFIODeviceConfig) {
        session.withLockedValue { $0.config = config }
    }

    /// `load_state_buffer`: one device-state packet payload from a multifd receive thread
    /// (12-byte header + data). Safe to call from several threads at once; it takes only this
    /// device's reorder-buffer mutex. Checks, in order: multifd mode, length, version, idx,
    /// duplicate, queued-buffer count, queued bytes.
    package func loadStateBuffer(_ payload: UnsafeRawBufferPointer) throws {
        guard let loader = session.withLockedValue({ $0.multifdTransfer ? $0.loader : nil }) else {
            throw VFIOError("\(name): got device state packet but not doing multifd transfer")
        }
        let header = try Self.validatePacket(payload, deviceName: name)
        var packet = loader.takeBuffer(count: payload.count)
        packet.withUnsafeMutableBytes { $0.copyMemory(from: payload) }
        try loader.insert(header, packet: packet)
    }

    /// `load_state_buffer` receiving straight into the reorder buffer: `read` fills a buffer of `size` bytes
    /// (a recycled one) with the packet payload, which is then queued without a copy. Same checks and texts as
    /// `loadStateBuffer(_:)`.
    package func loadStateBuffer(size: Int, read: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        guard let loader = session.withLockedValue({ $0.multifdTransfer ? $0.loader : nil }) else {
            throw VFIOError("\(name): got device state packet but not doing multifd transfer")
        }
        var packet = loader.takeBuffer(count: size)
        try packet.withUnsafeMutableBytes { try read($0) }
        let header = try packet.withUnsafeBytes { try Self.validatePacket($0, deviceName: name) }
        try loader.insert(header, packet: packet)
    }

    /// The stateless header checks of `load_state_buffer`.
    static func validatePacket(_ payload: UnsafeRawBufferPointer, deviceName: String) throws -> VFIODeviceStatePacket {
        guard payload.count >= VFIODeviceStatePacket.headerSize else {
            throw VFIOError(
                "\(deviceName): packet too short at \(payload.count) (min is \(VFIODeviceStatePacket.headerSize))")
        }
        let header = VFIODeviceStatePacket(decoding: payload)
        guard header.version == VFIODeviceStatePacket.currentVersion else {
            throw VFIOError("\(deviceName): packet has unknown version \(header.version)")
        }
        guard header.idx != VFIODeviceStatePacket.invalidIndex else {
            throw VFIOError("\(deviceName): packet index is invalid")
        }
        return header
    }

    /// `switchover_start` (main stream's SWITCHOVER_START). Returns whether a load thread is
    /// needed: then the caller must run `runLoadThread(cancellation:)` on a dedicated thread.
    package func switchoverStart() -> Bool {
        guard let loader = session.withLockedValue({ $0.multifdTransfer ? $0.loader : nil }) else { return false }
        loader.markThreadRunning()
        return true
    }

    /// The load thread body: writes buffered packets to the device in idx order, then loads
    /// the config. Blocks until then, or until `cancellation` (the engine's abort) fires.
    package func runLoadThread(cancellation: Cancellation = Cancellation()) throws {
        guard let loader = session.withLockedValue({ $0.loader }) else {
            throw VFIOError("\(name): got device state packet but not doing multifd transfer")
        }
        do {
            try loader.run(cancellation: cancellation)
        } catch {
            progress.finish { $0.phase = .failed }
            vfioLog.warning("\(name): load thread failed: \(error)")
            throw error
        }
        progress.finish { $0.phase = .completed }
    }

    /// `load_cleanup`: stops and waits for a load loop (waking it if it waits), drops queued
    /// buffers. Safe to call more than once.
    package func loadCleanup() {
        let loader = session.withLockedValue { session -> VFIOMultiFDLoader? in
            defer { session.loader = nil }
            return session.loader
        }
        loader?.shutdown()
    }

    /// The reorder buffer's current queue (buffers, bytes); nil outside multifd loading.
    package var loadQueueState: (buffers: UInt64, bytes: UInt64)? {
        session.withLockedValue { $0.loader }?.queueState
    }
}

extension VFIODeviceSession {
    /// `vfio_update_estimated_pending_data`: a chunk of `count` bytes was read in precopy.
    mutating func updateEstimatedPendingData(_ count: Int) {
        guard count > 0 else {
            precopyInitSize = 0
            precopyDirtySize = 0
            return
        }
        var remaining = UInt64(count)
        let fromInit = min(precopyInitSize, remaining)
        precopyInitSize -= fromInit
        remaining -= fromInit
        precopyDirtySize -= min(precopyDirtySize, remaining)
    }
}
