import Foundation
import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

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

    private let devices: Int
    private let release: Release
    private let state = NIOLockedValueBox(State())
    private var proxy: ChannelProxy?

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
        self.devices = devices
        self.release = release
        proxy = try ChannelProxy(path: path, destinationPath: destinationPath) { [weak self] hello, source, destination in
            try self?.forwardMultiFD(from: source, to: ForwardedChannel(fd: destination), hello: hello)
        }
    }

    /// The socket the source migrates to.
    var path: String { proxy?.path ?? "" }

    /// Whether the held packets were sent on.
    var hasReleased: Bool { state.withLockedValue { $0.released } }

    /// Shuts every socket down (the threads then end).
    func close() {
        proxy?.close()
    }

    // MARK: Connections

    /// The hello, then packet after packet: device-state packets are held, others pass unless the channel holds.
    private func forwardMultiFD(from source: Int32, to channel: ForwardedChannel, hello: [UInt8]) throws {
        try channel.send([hello])
        let index = state.withLockedValue { state in
            state.channels.append(channel)
            return state.channels.count - 1
        }
        while true {
            let packet = try MultiFDPacket.read(from: source)
            if packet.isDeviceState {
                hold(packet.bytes, channel: index)
            } else {
                try pass(packet.bytes, channel: index)
            }
        }
    }

    /// Sends a RAM or SYNC packet on, or queues it behind the channel's held device-state packets.
    private func pass(_ packet: [UInt8], channel index: Int) throws {
        let channel = state.withLockedValue { state -> ForwardedChannel? in
            guard !state.released, state.tails[index] != nil else { return state.channels[index] }
            state.tails[index]!.append(packet)
            return nil
        }
        try channel?.send([packet])
    }

    // MARK: Holding and releasing

    private func hold(_ packet: [UInt8], channel index: Int) {
        let idstr = String(decoding: packet[12..<268].prefix { $0 != 0 }, as: UTF8.self)
        let idx = PacketSocket.be32(packet, at: MultiFDPacket.deviceStateHeaderSize + 4)
        let isConfig = PacketSocket.be32(packet, at: MultiFDPacket.deviceStateHeaderSize + 8) & 1 != 0
        let complete = state.withLockedValue { state -> Bool in
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
        let channels = state.withLockedValue { $0.channels }
        channels.forEach { $0.lock.lock() }
        defer { channels.forEach { $0.lock.unlock() } }
        let (packets, tails) = state.withLockedValue { state in
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
