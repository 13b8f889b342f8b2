import Glibc
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import POSIXSupport
import Synchronization

/// One multifd send channel: a socket, the slot it owns, and the flags/semaphores of QEMU's `MultiFDSendParams`.
final class MultiFDSendChannel: Sendable {
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

    init(id: UInt8, connection: SocketConnection) {
        self.id = id
        self.connection = connection
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
