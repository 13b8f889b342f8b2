import Foundation
import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// A link between a source and a destination `vmigd` on Unix sockets that a test can break: the source migrates to
/// ``path``; every connection is forwarded byte for byte to the destination's socket (both directions) until the
/// test stalls the link (nothing is forwarded any more, as on a network that stopped delivering) or cuts one of
/// its connections.
final class LinkProxy: @unchecked Sendable {
    private let sockets: ProxySockets
    private let destinationPath: String
    private let stalled = Atomic<Bool>(false)
    /// Per forwarded connection: the source side, the destination side and whether it is a multifd channel.
    private let links = NIOLockedValueBox<[(source: Int32, destination: Int32, multifd: Bool)]>([])

    init(path: String, destinationPath: String) throws {
        sockets = try ProxySockets(path: path)
        self.destinationPath = destinationPath
        sockets.start { [self] fd in serve(fd) }
    }

    /// The socket the source migrates to.
    var path: String { sockets.path }

    /// Stops forwarding in both directions; the peers' socket buffers fill and their writers block.
    func stall() { stalled.store(true, ordering: .releasing) }

    /// Multifd channels forwarded so far.
    var multifdChannelCount: Int { links.withLockedValue { $0.filter(\.multifd).count } }

    /// Shuts down both sides of the first multifd channel, as a broken connection would.
    func cutFirstMultiFDChannel() {
        guard let link = links.withLockedValue({ $0.first(where: \.multifd) }) else { return }
        shutdown(link.source, Int32(SHUT_RDWR))
        shutdown(link.destination, Int32(SHUT_RDWR))
    }

    /// Shuts every socket down (the forwarding threads then end).
    func close() { sockets.close() }

    private func serve(_ source: Int32) {
        guard let (magic, destination) = sockets.connectOnward(from: source, to: destinationPath) else { return }
        links.withLockedValue { $0.append((source, destination, magic != Array("QEVM".utf8))) }
        guard (try? PacketSocket.write(destination, magic)) != nil else { return }
        Thread.detachNewThread { [self] in pump(from: destination, to: source) }
        pump(from: source, to: destination)
    }

    /// Copies `from` to `to` until either side ends (then ends `to`'s writing side); holds whatever it read while
    /// the link is stalled.
    private func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress!, $0.count, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            while stalled.load(ordering: .acquiring) && !sockets.isClosed { usleep(10_000) }
            guard (try? PacketSocket.write(to, Array(buffer[..<got]))) != nil else { break }
        }
        shutdown(to, Int32(SHUT_WR))
    }
}
