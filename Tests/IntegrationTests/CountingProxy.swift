import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A proxy (``ChannelProxy``) that passes everything on unchanged and counts what the source sends: the main
/// channel's bytes, and on the multifd channels every byte, by packet kind.
final class CountingProxy: @unchecked Sendable {
    /// Bytes and pages seen going from the source to the destination.
    struct Counts: Sendable {
        /// Main channel bytes (the return path, destination to source, is not counted).
        var main = 0
        /// Every byte of every multifd channel: hellos and packets.
        var multifd = 0
        /// Multifd channels opened.
        var channels = 0
        /// Multifd RAM packets with pages (header, offsets, page data), not SYNC packets.
        var ramPacketBytes = 0
        /// Multifd SYNC packets.
        var syncPacketBytes = 0
        /// Device-state packets: their payloads (VFIO header and data), after the 276-byte multifd header.
        var deviceStatePayload = 0
        /// Device-state packets.
        var deviceStatePackets = 0
        /// Pages in RAM packets, with data and zero.
        var normalPages = 0
        var zeroPages = 0

        /// Bytes on every channel.
        var total: Int { main + multifd }
    }

    private let counts = NIOLockedValueBox(Counts())
    private var proxy: ChannelProxy?

    /// Starts listening on `path` and forwarding to `destinationPath`.
    init(path: String, destinationPath: String) throws {
        proxy = try ChannelProxy(
            path: path, destinationPath: destinationPath,
            mainBytes: { [weak self] count in self?.counts.withLockedValue { $0.main += count } },
            multifd: { [weak self] hello, source, destination in
                try self?.forwardMultiFD(hello: hello, from: source, to: destination)
            })
    }

    /// The socket the source migrates to.
    var path: String { proxy?.path ?? "" }

    /// What was counted so far.
    var snapshot: Counts { counts.withLockedValue { $0 } }

    /// Shuts every socket down.
    func close() {
        proxy?.close()
    }

    private func forwardMultiFD(hello: [UInt8], from source: Int32, to destination: Int32) throws {
        counts.withLockedValue {
            $0.channels += 1
            $0.multifd += hello.count
        }
        try PacketSocket.write(destination, hello)
        while true {
            let packet = try MultiFDPacket.read(from: source)
            counts.withLockedValue { add(packet, to: &$0) }
            try PacketSocket.write(destination, packet.bytes)
        }
    }

    private func add(_ packet: MultiFDPacket, to counts: inout Counts) {
        counts.multifd += packet.bytes.count
        if packet.isDeviceState {
            counts.deviceStatePackets += 1
            counts.deviceStatePayload += packet.deviceStatePayload
        } else if packet.isSync {
            counts.syncPacketBytes += packet.bytes.count
        } else {
            counts.ramPacketBytes += packet.bytes.count
            counts.normalPages += packet.normalPages
            counts.zeroPages += packet.zeroPages
        }
    }
}
