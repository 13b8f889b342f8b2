#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import POSIXSupport

/// A simulated migratable VFIO device implementing the uAPI v2 state machine.
///
/// Its internal state is `stateSize` bytes of deterministic content: page `p` at generation
/// `g` is a pseudo-random stream seeded from (device id, `p`, `g`). While running, the device
/// "dirties" pseudo-random pages at `dirtyRate` bytes/s, moving them to their next generation.
/// PRE_COPY reads deliver the first `precopySize` bytes (and re-dirtied pages of that region);
/// STOP_COPY reads deliver everything still unsent. In RESUMING the device parses the written
/// stream and checks every byte against the generator before adopting it, so `digest()`
/// matches the source's exactly when the stream arrived complete and in order.
///
/// Reads and writes sleep the calling thread to honour `readBandwidth`/`writeBandwidth`.
/// Thread-safe; the state lock is never held while sleeping.
package final class SimulatedVFIOBackend: VFIOMigrationBackend {
    /// The parameters of a simulated device.
    package struct Configuration: Sendable, Equatable {
        /// The device id; seeds the content.
        package var deviceID: String
        /// Size of the device's internal state in bytes.
        package var stateSize: UInt64
        /// Bytes of state readable ahead of time in PRE_COPY.
        package var precopySize: UInt64
        /// Bytes per second the running device changes.
        package var dirtyRate: UInt64
        /// Read rate of the data stream in bytes/s (0 = unlimited).
        package var readBandwidth: UInt64
        /// Write rate of the data stream in bytes/s (0 = unlimited).
        package var writeBandwidth: UInt64
        /// Whether RUNNING_P2P exists.
        package var supportsP2P: Bool
        /// Whether PRE_COPY exists.
        package var supportsPreCopy: Bool

        /// Creates a configuration; by default unthrottled, not dirtying, with P2P and PRE_COPY.
        package init(
            deviceID: String, stateSize: UInt64, precopySize: UInt64 = 0, dirtyRate: UInt64 = 0,
            readBandwidth: UInt64 = 0, writeBandwidth: UInt64 = 0,
            supportsP2P: Bool = true, supportsPreCopy: Bool = true
        ) {
            self.deviceID = deviceID
            self.stateSize = stateSize
            self.precopySize = precopySize
            self.dirtyRate = dirtyRate
            self.readBandwidth = readBandwidth
            self.writeBandwidth = writeBandwidth
            self.supportsP2P = supportsP2P
            self.supportsPreCopy = supportsPreCopy
        }
    }

    /// The parameters this device was created with.
    package let configuration: Configuration
    private let model: NIOLockedValueBox<SimulatedBackendModel>
    private let readThrottle: BandwidthThrottle
    private let writeThrottle: BandwidthThrottle

    /// A device in RUNNING with every page at generation 0.
    package init(_ configuration: Configuration) {
        self.configuration = configuration
        model = NIOLockedValueBox(SimulatedBackendModel(configuration: configuration, now: HostClock.monotonicNanoseconds()))
        readThrottle = BandwidthThrottle(bytesPerSecond: configuration.readBandwidth)
        writeThrottle = BandwidthThrottle(bytesPerSecond: configuration.writeBandwidth)
    }

    /// Whether RUNNING_P2P exists on this device.
    package var supportsP2P: Bool { configuration.supportsP2P }
    /// Whether PRE_COPY exists on this device.
    package var supportsPreCopy: Bool { configuration.supportsPreCopy }

    /// Walks the device to `state`; see `VFIOMigrationBackend.setState(_:)`.
    package func setState(_ state: VFIODeviceState) throws -> Bool {
        try locked { model throws(VFIOBackendError) in try model.setState(state) }
    }

    /// Reads the outgoing stream, then sleeps to honour the read bandwidth.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let start = HostClock.monotonicNanoseconds()
        let count = try locked { model throws(VFIOBackendError) in try model.read(into: buffer) }
        readThrottle.pace(bytes: count, startedAt: start)
        return count
    }

    /// Writes the incoming stream, then sleeps to honour the write bandwidth.
    package func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        let start = HostClock.monotonicNanoseconds()
        let count = try locked { model throws(VFIOBackendError) in try model.write(bytes) }
        writeThrottle.pace(bytes: count, startedAt: start)
        return count
    }

    /// Initial and dirty precopy bytes still readable (PRE_COPY states only, else `EINVAL`).
    package func precopyInfo() throws -> (initialBytes: UInt64, dirtyBytes: UInt64) {
        try locked { model throws(VFIOBackendError) in try model.precopyInfo() }
    }

    /// Bytes STOP_COPY would still deliver (the whole stream when no save is under way).
    package func stopCopySize() throws -> UInt64 {
        locked { $0.stopCopySize() }
    }

    /// Back to RUNNING with the initial content; closes any stream.
    package func reset() {
        locked { $0.reset() }
    }

    /// A digest of the device's current internal state (see `SimulatedDeviceImage.digest()`).
    package func digest() -> UInt64 {
        locked { $0.image.digest() }
    }

    /// The current FSM state.
    package var state: VFIODeviceState { locked { $0.state } }

    /// Every state entered so far, one entry per single arc (resets add RUNNING, failures ERROR).
    package var transitionLog: [VFIODeviceState] { locked { $0.transitionLog } }

    /// Total bytes read from and written to the data streams.
    package var streamBytes: (read: UInt64, written: UInt64) { locked { ($0.bytesRead, $0.bytesWritten) } }

    /// Number of pages of the state (4 KiB each, the last possibly shorter).
    package var pageCount: Int { locked { $0.image.pageCount } }

    /// Changes `bytes` worth of pseudo-random pages now, as a running guest would (works in
    /// any state; tests use it for deterministic dirtying).
    package func simulateGuestWrites(bytes: UInt64) {
        let pageSize = UInt64(SimulatedStatePattern.pageSize)
        locked { $0.dirty(pages: Int((bytes + pageSize - 1) / pageSize)) }
    }

    /// Arms a one-shot read failure: reads deliver `bytes` more bytes, then one fails with `errno`.
    package func injectReadFailure(afterBytes bytes: UInt64, errno: Int32 = EIO) {
        locked { $0.faults.readFailure = (bytes, errno) }
    }

    /// Arms a one-shot write failure: writes accept `bytes` more bytes, then one fails with `errno`.
    package func injectWriteFailure(afterBytes bytes: UInt64, errno: Int32 = EIO) {
        locked { $0.faults.writeFailure = (bytes, errno) }
    }

    /// Arms a one-shot failure of the arc into `state`, which leaves the device in ERROR.
    package func injectTransitionFailure(into state: VFIODeviceState, errno: Int32 = EIO) {
        locked { $0.faults.transitionFailure = (state, errno) }
    }

    private func locked<R, E: Error>(_ body: (inout SimulatedBackendModel) throws(E) -> R) throws(E) -> R {
        let now = HostClock.monotonicNanoseconds()
        // NIO's lock rethrows untyped errors, so the typed error travels out in a Result.
        let result = model.withLockedValue { (model: inout SimulatedBackendModel) -> Result<R, E> in
            model.tick(now: now)
            return Result { () throws(E) -> R in try body(&model) }
        }
        return try result.get()
    }
}
