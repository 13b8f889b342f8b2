#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything a simulated device holds, guarded by `SimulatedVFIOBackend`'s mutex: the FSM
/// state, the internal state image, open data streams, faults and counters.
struct SimulatedBackendModel {
    let features: VFIOMigrationFeatures
    let dirtyRate: UInt64
    var image: SimulatedDeviceImage
    var state: VFIODeviceState = .running
    var save: SimulatedSaveSession?
    var load: SimulatedLoadSession?
    var faults = SimulatedFaults()
    var transitionLog: [VFIODeviceState] = []
    var bytesRead: UInt64 = 0
    var bytesWritten: UInt64 = 0
    private var lastTick: UInt64
    private var dirtyCarry: Double = 0

    init(configuration: SimulatedVFIOBackend.Configuration, now: UInt64) {
        features = .device(p2p: configuration.supportsP2P, preCopy: configuration.supportsPreCopy)
        dirtyRate = configuration.dirtyRate
        image = SimulatedDeviceImage(
            deviceID: configuration.deviceID, stateSize: configuration.stateSize,
            precopySize: configuration.precopySize)
        lastTick = now
    }

    /// Whether a data stream (the kernel's data fd) is open.
    var streamOpen: Bool { save != nil || load != nil }

    /// Lets the running device dirty itself for the time since the last call.
    mutating func tick(now: UInt64) {
        defer { lastTick = now }
        guard state.isRunning, dirtyRate > 0, now > lastTick, image.pageCount > 0 else { return }
        let pageSize = Double(SimulatedStatePattern.pageSize)
        dirtyCarry += Double(now - lastTick) * Double(dirtyRate) / 1e9
        let pages = min((dirtyCarry / pageSize).rounded(.down), Double(image.pageCount * 4))
        dirtyCarry = min(dirtyCarry - pages * pageSize, pageSize)
        dirty(pages: Int(pages))
    }

    /// Changes `pages` pseudo-random pages, marking them for resending.
    mutating func dirty(pages: Int) {
        var session = save
        save = nil
        image.dirtyRandomPages(pages) { session?.pageDirtied($0) }
        save = session
    }

    /// Walks the FSM to `target`; returns whether a data stream is open afterwards.
    mutating func setState(_ target: VFIODeviceState) throws(VFIOBackendError) -> Bool {
        guard state != .error else {
            throw VFIOBackendError(errno: EINVAL, operation: "set device state \(target): device is in ERROR, reset required")
        }
        let path: [VFIODeviceState]
        do {
            path = try VFIOStateMachine.path(from: state, to: target, features: features)
        } catch {
            throw VFIOBackendError(errno: EINVAL, operation: "set device state \(target): \(error)")
        }
        for step in path {
            do {
                try faults.checkTransition(into: step)
                try applyArc(to: step)
            } catch {
                enterError()
                throw error
            }
            state = step
            transitionLog.append(step)
        }
        return streamOpen
    }

    private mutating func applyArc(to next: VFIODeviceState) throws(VFIOBackendError) {
        switch (state, next) {
        case (.running, .preCopy), (.runningP2P, .preCopyP2P):
            save = SimulatedSaveSession(pageCount: image.pageCount, precopyPages: image.precopyPages)
        case (.stop, .stopCopy):
            save = SimulatedSaveSession(pageCount: image.pageCount, precopyPages: image.precopyPages)
            save?.stopCopy = true
        case (.preCopy, .stopCopy), (.preCopyP2P, .stopCopy):
            save?.stopCopy = true
        case (.preCopy, .running), (.preCopyP2P, .runningP2P), (.stopCopy, .stop):
            save = nil
        case (.stop, .resuming):
            image.clearForResume()
            load = SimulatedLoadSession()
        case (.resuming, .stop):
            guard load?.isMidRecord != true else {
                throw VFIOBackendError(errno: EINVAL, operation: "set device state STOP: incomplete device state stream")
            }
            load = nil
        default:
            break
        }
    }

    private mutating func enterError() {
        state = .error
        save = nil
        load = nil
        transitionLog.append(.error)
    }

    /// Reads stream bytes in PRE_COPY, PRE_COPY_P2P or STOP_COPY.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(VFIOBackendError) -> Int {
        guard state.isPreCopy || state == .stopCopy, save != nil else {
            throw VFIOBackendError(errno: EINVAL, operation: "read in device state \(state)")
        }
        let limit = try faults.admitRead(buffer.count)
        let count = save!.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<limit]), image: image)
        faults.didRead(count)
        bytesRead += UInt64(count)
        return count
    }

    /// Writes stream bytes in RESUMING.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(VFIOBackendError) -> Int {
        guard state == .resuming, load != nil else {
            throw VFIOBackendError(errno: EINVAL, operation: "write in device state \(state)")
        }
        let count = try faults.admitWrite(bytes.count)
        var session = load!
        load = nil
        defer { load = session }
        try session.write(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), image: &image)
        faults.didWrite(count)
        bytesWritten += UInt64(count)
        return count
    }

    /// Initial and dirty precopy bytes still readable (PRE_COPY states only).
    func precopyInfo() throws(VFIOBackendError) -> (initialBytes: UInt64, dirtyBytes: UInt64) {
        guard state.isPreCopy, let save else {
            throw VFIOBackendError(errno: EINVAL, operation: "precopy info in device state \(state)")
        }
        let pending = save.pendingBytes(image: image)
        return (pending.initial, pending.dirty)
    }

    /// Bytes STOP_COPY would still deliver.
    func stopCopySize() -> UInt64 {
        guard let save else { return image.totalStreamBytes }
        return save.pendingBytes(image: image).stopCopy
    }

    /// A device reset: RUNNING, streams closed, state back to its initial content.
    mutating func reset() {
        state = .running
        save = nil
        load = nil
        image.resetToInitial()
        transitionLog.append(.running)
    }
}
