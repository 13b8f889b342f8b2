import Foundation
import Glibc
import POSIXSupport
import Synchronization

/// A man in the middle between a source and a destination `vmigd` on Unix sockets, for putting device-state
/// packets in orders a real network may produce and in ones it must not.
///
/// The source migrates to ``path``; each connection it opens is forwarded to the destination's socket. The main
/// channel passes untouched in both directions (the return path too). On a multifd channel, packets pass at once
/// until the channel's first device-state packet; from then on the channel's traffic is held back until every one of
/// `devices` devices has sent its config packet and all data packets before it. Then the device-state packets go
/// out in the order of ``Release``, dealt over the channels, and after them each channel's other held packets (its
/// final SYNC among them) in their own order, as a channel is a FIFO: every device-state packet still arrives
/// before the SYNC that follows it at the source.
final class DeviceStatePacketProxy: @unchecked Sendable {
    /// How the held device-state packets are sent on to the destination.
    enum Release: Sendable {
        /// Data packets in descending idx, dealt round-robin over the channels; each config packet last.
        case reversedAcrossChannels
        /// Each config packet first, then the data packets in ascending idx, dealt round-robin over the channels.
        case configFirst
        /// Everything in ascending idx on the first channel, with the first device's idx 0 sent twice in a row.
        case duplicateFirstPacket
    }

    private let sockets: ProxySockets
    private let destinationPath: String
    private let devices: Int
    private let release: Release
    private let state = Mutex(State())

    private struct State {
        /// Destination ends of the multifd channels, in the order they connected.
        var channels: [ForwardedChannel] = []
        /// Other packets held per channel (by index in `channels`) since its first device-state packet.
        var tails: [Int: [[UInt8]]] = [:]
        /// Held device-state packets (whole: 276-byte header + payload) by device idstr, then by VFIO idx.
        var held: [String: [UInt32: [UInt8]]] = [:]
        /// The idx of each device's config packet.
        var configIndex: [String: UInt32] = [:]
        /// Set when the set is complete (one thread releases it); `released` once everything held went out.
        var releasing = false
        var released = false
    }

    /// Starts listening on `path` and forwarding to `destinationPath`.
    init(path: String, destinationPath: String, devices: Int, release: Release) throws {
        sockets = try ProxySockets(path: path)
        self.destinationPath = destinationPath
        self.devices = devices
        self.release = release
        sockets.start { [self] fd in serve(fd) }
    }

    /// The socket the source migrates to.
    var path: String { sockets.path }

    /// Whether the held packets were sent on.
    var hasReleased: Bool { state.withLock { $0.released } }

    /// Shuts every socket down (the threads then end).
    func close() { sockets.close() }

    // MARK: Connections

    private func serve(_ source: Int32) {
        guard let (magic, destination) = sockets.connectOnward(from: source, to: destinationPath) else { return }
        if magic == Array("QEVM".utf8) {
            try? PacketSocket.write(destination, magic)
            Thread.detachNewThread { PacketSocket.pump(from: destination, to: source) }
            PacketSocket.pump(from: source, to: destination)
        } else {
            try? forwardMultifd(from: source, to: ForwardedChannel(fd: destination), magic: magic)
        }
    }

    /// The hello, then packet after packet: device-state packets are held, others pass unless the channel holds.
    private func forwardMultifd(from source: Int32, to channel: ForwardedChannel, magic: [UInt8]) throws {
        try channel.send([magic + PacketSocket.read(source, count: Self.helloSize - 4)])
        let index = state.withLock { state in
            state.channels.append(channel)
            return state.channels.count - 1
        }
        while true {
            let header = try PacketSocket.read(source, count: Self.packetHeaderSize)
            if PacketSocket.be32(header, at: 8) & Self.deviceStateFlag != 0 {
                let packetHeader = header + (try PacketSocket.read(source, count: Self.deviceStateHeaderSize - Self.packetHeaderSize))
                let size = Int(PacketSocket.be32(packetHeader, at: 272))
                guard size <= Self.maxPayload else { throw PacketSocket.Closed() }
                let payload = try PacketSocket.read(source, count: size)
                hold(packetHeader + payload, channel: index)
            } else {
                let packetHeader = header + (try PacketSocket.read(source, count: Self.ramHeaderSize - Self.packetHeaderSize))
                let size = Int(PacketSocket.be32(packetHeader, at: 20))
                guard size <= Self.maxRAMPayload else { throw PacketSocket.Closed() }
                let pages = try PacketSocket.read(source, count: size)
                try pass(packetHeader + pages, channel: index)
            }
        }
    }

    /// Sends a RAM or SYNC packet on, or queues it behind the channel's held device-state packets.
    private func pass(_ packet: [UInt8], channel index: Int) throws {
        let channel = state.withLock { state -> ForwardedChannel? in
            guard !state.released, state.tails[index] != nil else { return state.channels[index] }
            state.tails[index]!.append(packet)
            return nil
        }
        try channel?.send([packet])
    }

    // MARK: Holding and releasing

    private func hold(_ packet: [UInt8], channel index: Int) {
        let idstr = String(decoding: packet[12..<268].prefix { $0 != 0 }, as: UTF8.self)
        let idx = PacketSocket.be32(packet, at: Self.deviceStateHeaderSize + 4)
        let isConfig = PacketSocket.be32(packet, at: Self.deviceStateHeaderSize + 8) & 1 != 0
        let complete = state.withLock { state -> Bool in
            if state.tails[index] == nil { state.tails[index] = [] }
            state.held[idstr, default: [:]][idx] = packet
            if isConfig { state.configIndex[idstr] = idx }
            guard !state.releasing, isComplete(state) else { return false }
            state.releasing = true
            return true
        }
        if complete { releaseHeldPackets() }
    }

    /// Writes the held device-state packets in the chosen order, then every channel's held tail, with every
    /// channel's write lock taken first so that no packet read meanwhile overtakes them.
    private func releaseHeldPackets() {
        let channels = state.withLock { $0.channels }
        channels.forEach { $0.lock.lock() }
        defer { channels.forEach { $0.lock.unlock() } }
        let (packets, tails) = state.withLock { state in
            state.released = true
            defer { state.tails = [:] }
            return (order(state), state.tails)
        }
        for (number, packet) in packets.enumerated() {
            let channel = release == .duplicateFirstPacket ? channels[0] : channels[number % channels.count]
            try? channel.sendLocked(packet)
        }
        for (index, tail) in tails.sorted(by: { $0.key < $1.key }) {
            for packet in tail { try? channels[index].sendLocked(packet) }
        }
    }

    private func isComplete(_ state: State) -> Bool {
        guard state.configIndex.count == devices else { return false }
        return state.configIndex.allSatisfy { idstr, last in state.held[idstr]?.count == Int(last) + 1 }
    }

    /// Every held packet, in the order `release` asks for.
    private func order(_ state: State) -> [[UInt8]] {
        let idstrs = state.configIndex.keys.sorted()
        let data = idstrs.map { idstr in
            let last = state.configIndex[idstr]!
            return (config: state.held[idstr]![last]!, packets: (0..<last).map { state.held[idstr]![$0]! })
        }
        switch release {
        case .reversedAcrossChannels:
            return data.flatMap { $0.packets.reversed() } + data.map(\.config)
        case .configFirst:
            return data.map(\.config) + data.flatMap(\.packets)
        case .duplicateFirstPacket:
            let first = data[0].packets[0]
            return [first] + data.flatMap { $0.packets + [$0.config] }
        }
    }

    // MARK: Wire sizes (migration/multifd.h)

    private static let helloSize = 64
    private static let packetHeaderSize = 12
    private static let deviceStateHeaderSize = 276
    private static let ramHeaderSize = 320 + 8 * 128
    private static let deviceStateFlag: UInt32 = 0x40
    /// vmigd's bound on a device-state payload; anything larger ends the channel instead of being allocated.
    private static let maxPayload = 64 << 20
    /// A RAM packet carries at most 128 pages of 4 KiB.
    private static let maxRAMPayload = 128 * 4096
}

/// The destination end of one forwarded multifd channel; whole packets are written under its lock.
final class ForwardedChannel: @unchecked Sendable {
    let fd: Int32
    /// Held while a packet is written (or, by the release, while all held packets are).
    let lock = NSLock()

    init(fd: Int32) { self.fd = fd }

    /// Writes `packets` under the lock.
    func send(_ packets: [[UInt8]]) throws {
        lock.lock()
        defer { lock.unlock() }
        for packet in packets { try sendLocked(packet) }
    }

    /// Writes `packet`; the caller holds `lock`.
    func sendLocked(_ packet: [UInt8]) throws {
        try PacketSocket.write(fd, packet)
    }
}

/// Blocking whole-buffer socket I/O for the proxy.
enum PacketSocket {
    struct Closed: Error {}

    static func read(_ fd: Int32, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, Int32(MSG_WAITALL)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw Closed() }
            done += got
        }
        return bytes
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw Closed() }
            done += sent
        }
    }

    /// Copies `from` to `to` until either side ends, then ends `to`'s writing side.
    static func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress!, $0.count, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0, (try? write(to, Array(buffer[..<got]))) != nil else { break }
        }
        shutdown(to, Int32(SHUT_WR))
    }

    static func be32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

