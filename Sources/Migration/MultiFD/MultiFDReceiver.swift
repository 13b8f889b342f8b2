import Glibc
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import POSIXSupport
import Synchronization

/// The destination's multifd channels: hello checks and registration, the per-channel receive loop (RAM straight
/// into guest memory, device state to its handler) and the SYNC barrier paired with the main stream's
/// `MULTIFD_FLUSH` (QEMU's `multifd_recv_sync_main`).
///
/// Every wait names `stop`, which `terminate()` fires, so a failing or ending migration wakes the main load thread
/// and every channel thread at once. Lock order: `channels` is a leaf (no wait or other lock while it is held).
final class MultiFDReceiver: Sendable {
    /// One registered channel.
    final class Channel: Sendable {
        let id: UInt8
        let connection: SocketConnection
        /// Posted by the main load thread to let the channel go on after a SYNC packet.
        let release = Semaphore()
        /// Set by the channel's thread once a packet arrived: from then on the channel is part of the migration.
        let hasReceived = Atomic<Bool>(false)

        init(id: UInt8, connection: SocketConnection) {
            self.id = id
            self.connection = connection
        }
    }

    let channelCount: Int
    private let memory: GuestMemory
    private let uuid: [UInt8]
    private let registry: DeviceStateRegistry
    private let onFailure: @Sendable (MigrationError) -> Void
    /// A channel that ends at a packet boundary just ends (QEMU's receive thread: EOF is no error), instead of
    /// failing the migration: a QEMU source without `return-path` closes its channels as soon as it has written
    /// everything, possibly before the main stream was read to its end.
    private let endOfFileIsQuiet: Bool
    private let channels: NIOLockedValueBox<[Channel?]>
    private let syncArrived = Semaphore()
    /// Fired by `terminate()`.
    private let stop = Cancellation()

    init(channelCount: Int, memory: GuestMemory, uuid: [UInt8], registry: DeviceStateRegistry,
         endOfFileIsQuiet: Bool = false, onFailure: @escaping @Sendable (MigrationError) -> Void) {
        self.channelCount = channelCount
        self.endOfFileIsQuiet = endOfFileIsQuiet
        self.memory = memory
        self.uuid = uuid
        self.registry = registry
        self.onFailure = onFailure
        channels = NIOLockedValueBox([Channel?](repeating: nil, count: channelCount))
    }

    /// Checks a hello and registers its channel (uuid, id range, duplicate id).
    func register(hello: MultiFDHello, connection: SocketConnection) throws -> Channel {
        try hello.validate(expectedUUID: uuid, channels: channelCount)
        return try channels.withLockedValue { table in
            guard table[Int(hello.id)] == nil else { throw MultiFDHello.duplicateError(id: hello.id) }
            let channel = Channel(id: hello.id, connection: connection)
            table[Int(hello.id)] = channel
            return channel
        }
    }

    private func unregister(_ channel: Channel) {
        channels.withLockedValue { table in
            if table[Int(channel.id)] === channel { table[Int(channel.id)] = nil }
        }
    }

    /// Number of channels registered so far.
    var connectedCount: Int {
        channels.withLockedValue { $0.compactMap { $0 }.count }
    }

    /// Receives packets until the channel closes or the receiver is terminated; failures go to `onFailure`.
    func run(_ channel: Channel) {
        let buffers = ReceiveBuffers()
        do {
            while !isExiting {
                guard try receivePacket(on: channel, buffers: buffers) else { break }
            }
        } catch {
            if !isExiting {
                onFailure(MigrationError.wrap(error))
            }
        }
    }

    /// Waits until every channel delivered a SYNC packet, then releases them all. Gives up (throws) once the
    /// receiver is terminated, or when `peerGone` says so: it is asked every `peerCheckInterval` while nothing
    /// arrives, for a source that went away without closing its multifd channels.
    func syncMain(peerGone: () -> Bool) throws {
        for _ in 0..<channelCount {
            while !syncArrived.wait(unlessCancelled: stop, timeout: Self.peerCheckInterval) {
                if stop.isCancelled || peerGone() {
                    throw MigrationError("multifd: channels did not synchronise (migration aborted)")
                }
            }
        }
        for channel in channels.withLockedValue({ $0 }) {
            channel?.release.post()
        }
    }

    /// How often `syncMain` asks whether the source is still there while it waits for SYNC packets.
    static let peerCheckInterval = Duration.seconds(1)

    /// Stops every channel (they exit quietly) and wakes every waiting thread.
    func terminate() {
        stop.cancel()
        for channel in channels.withLockedValue({ $0 }) {
            channel?.connection.shutdown()
        }
    }

    private var isExiting: Bool {
        stop.isCancelled
    }

    /// Reads one packet; returns false on a clean end of file at a packet boundary.
    private func receivePacket(on channel: Channel, buffers: ReceiveBuffers) throws -> Bool {
        let header = buffers.header
        let got = try channel.connection.readSome(into: header, capacity: MultiFDWire.headerSize)
        if got == 0 {
            if isExiting || endOfFileIsQuiet { return false }
            guard channel.hasReceived.load(ordering: .acquiring) else {
                // Closed before it carried anything: not a channel of this migration; its id is free again.
                unregister(channel)
                return false
            }
            throw MigrationError("multifd: channel \(channel.id): connection closed before the migration ended")
        }
        channel.hasReceived.store(true, ordering: .releasing)
        if got < MultiFDWire.headerSize {
            try channel.connection.readExactly(into: header + got, count: MultiFDWire.headerSize - got)
        }
        let packetHeader = try MultiFDPacketHeader.load(from: header)
        if packetHeader.isDeviceState {
            try receiveDeviceState(on: channel, buffers: buffers)
        } else {
            try receiveRAM(on: channel, buffers: buffers, flags: packetHeader.flags)
        }
        return true
    }

    private func receiveDeviceState(on channel: Channel, buffers: ReceiveBuffers) throws {
        let header = buffers.header
        try channel.connection.readExactly(into: header + MultiFDWire.headerSize,
                                           count: MultiFDWire.deviceStateHeaderSize - MultiFDWire.headerSize)
        let packet = try MultiFDDeviceStateHeader.load(from: header, maxPayload: MultiFDWire.maxDeviceStatePayload)
        let handler = try registry.handler(idstr: packet.idstr, instanceID: packet.instanceID)
        let size = Int(packet.payloadSize)
        try handler.loadStateBuffer(size: size) { buffer in
            guard buffer.count == size, let base = buffer.baseAddress else {
                throw MigrationError("multifd: device state buffer of \(buffer.count) bytes for a \(size)-byte packet")
            }
            try channel.connection.readExactly(into: base, count: size)
        }
    }

    private func receiveRAM(on channel: Channel, buffers: ReceiveBuffers, flags: UInt32) throws {
        let header = buffers.header
        try channel.connection.readExactly(into: header + MultiFDWire.headerSize,
                                           count: MultiFDWire.ramHeaderSize - MultiFDWire.headerSize)
        let view = try MultiFDRAMHeaderView(fixedPart: header, flags: flags, blockName: memory.blockName)
        try view.validateOffsets(header, ramSize: memory.size)
        if view.normalPages > 0 {
            for index in 0..<view.normalPages {
                let offset = Int(UnsafeRawPointer(header).loadBE64(at: MultiFDWire.ramFixedSize + 8 * index))
                buffers.vector[index] = iovec(iov_base: memory.base + offset, iov_len: GuestMemory.pageSize)
            }
            try channel.connection.readvAll(buffers.vector, count: view.normalPages)
        }
        for index in view.normalPages..<(view.normalPages + view.zeroPages) {
            let offset = Int(UnsafeRawPointer(header).loadBE64(at: MultiFDWire.ramFixedSize + 8 * index))
            let page = memory.base + offset
            if !GuestMemory.isZero(UnsafeRawPointer(page)) {
                page.initializeMemory(as: UInt8.self, repeating: 0, count: GuestMemory.pageSize)
            }
        }
        if flags & MultiFDWire.flagSync != 0 {
            syncArrived.post()
            _ = channel.release.wait(unlessCancelled: stop)
        }
    }
}

/// Per-thread receive buffers (allocated once per channel).
private final class ReceiveBuffers {
    let header: UnsafeMutableRawPointer
    let vector: UnsafeMutablePointer<iovec>

    init() {
        header = .allocate(byteCount: MultiFDWire.ramHeaderSize, alignment: 16)
        vector = .allocate(capacity: MultiFDWire.pagesPerPacket)
    }

    deinit {
        header.deallocate()
        vector.deallocate()
    }
}

/// Routes received device-state packets to the handler registered for their idstr/instance
/// (QEMU's `qemu_loadvm_load_state_buffer`), with QEMU's receiver error texts.
struct DeviceStateRegistry: Sendable {
    private let handlers: [String: any SaveStateHandler]

    init(handlers: [any SaveStateHandler]) {
        var table: [String: any SaveStateHandler] = [:]
        for handler in handlers {
            table[DeviceStateRegistry.key(handler.idstr, handler.instanceID)] = handler
        }
        self.handlers = table
    }

    private static func key(_ idstr: String, _ instanceID: UInt32) -> String {
        "\(idstr)\u{0}\(instanceID)"
    }

    /// The handler that takes packets for `idstr`/`instanceID`, or QEMU's error.
    func handler(idstr: String, instanceID: UInt32) throws -> any SaveStateHandler {
        guard let handler = handlers[DeviceStateRegistry.key(idstr, instanceID)] else {
            throw MigrationError("Unknown idstr \(idstr) or instance id \(instanceID) for load state buffer")
        }
        guard handler.hasLoadStateBuffer else {
            throw MigrationError("idstr \(idstr) / instance \(instanceID) has no load state buffer operation")
        }
        return handler
    }
}
