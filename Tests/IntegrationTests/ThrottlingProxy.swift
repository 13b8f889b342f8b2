import Foundation
import Glibc
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A slow link between a source and a destination `vmigd` on Unix sockets (a ``ChannelProxy``): what flows
/// from source to destination, over all channels together, is held to `bytesPerSecond` (the return path is not
/// slowed).
final class ThrottlingProxy: @unchecked Sendable {
    private let link: Link
    private var proxy: ChannelProxy!

    /// The socket the source migrates to.
    var path: String { proxy.path }

    /// Starts listening on `path` and forwarding to `destinationPath` at `bytesPerSecond`.
    init(path: String, destinationPath: String, bytesPerSecond: Double) throws {
        let link = Link(bytesPerSecond: bytesPerSecond)
        self.link = link
        proxy = try ChannelProxy(path: path, destinationPath: destinationPath, mainBytes: { link.pace($0) }) {
            hello, source, destination in
            link.pace(hello.count)
            try PacketSocket.write(destination, hello)
            Thread.detachNewThread { PacketSocket.pump(from: destination, to: source) }
            PacketSocket.pump(from: source, to: destination) { link.pace($0) }
        }
    }

    /// Shuts every socket down.
    func close() {
        proxy.close()
    }

    /// The shared link: the monotonic time (ns) at which it is free again.
    private final class Link: Sendable {
        let bytesPerSecond: Double
        private let freeAt = NIOLockedValueBox<UInt64>(0)

        init(bytesPerSecond: Double) {
            self.bytesPerSecond = bytesPerSecond
        }

        /// Books `count` bytes on the link and sleeps until they have gone through.
        func pace(_ count: Int) {
            let cost = UInt64(Double(count) / bytesPerSecond * 1e9)
            let now = DispatchTime.now().uptimeNanoseconds
            let done = freeAt.withLockedValue { free -> UInt64 in
                free = max(free, now) + cost
                return free
            }
            if done > now { usleep(useconds_t(min((done - now) / 1000, 1_000_000))) }
        }
    }
}
