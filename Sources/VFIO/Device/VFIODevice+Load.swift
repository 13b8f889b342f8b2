import POSIXSupport

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
