import Foundation
import Glibc
import POSIXSupport
import Synchronization

/// A link between a source and a destination `vmigd` on Unix sockets that a test can break: the source migrates to
/// ``path``; every connection is forwarded byte for byte to the destination's socket (both directions) until the
/// test stalls the link (nothing is forwarded any more, as on a network that stopped delivering) or cuts one of
/// its connections.
final class LinkProxy: @unchecked Sendable {
    /// The socket the source migrates to.
    let path: String
    private let destinationPath: String
    private let listener: Int32
    private let stalled = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    private let state = Mutex(State())

    private struct State {
        /// Per forwarded connection: the source side, the destination side and whether it is a multifd channel.
        var links: [(source: Int32, destination: Int32, multifd: Bool)] = []
        var descriptors: [Int32] = []
    }

    init(path: String, destinationPath: String) throws {
        self.path = path
        self.destinationPath = destinationPath
        listener = try UnixSocketListener.listen(at: path, backlog: 16)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops forwarding in both directions; the peers' socket buffers fill and their writers block.
    func stall() { stalled.store(true, ordering: .releasing) }

    /// Multifd channels forwarded so far.
    var multifdChannelCount: Int { state.withLock { $0.links.filter(\.multifd).count } }

    /// Shuts down both sides of the first multifd channel, as a broken connection would.
    func cutFirstMultifdChannel() {
        guard let link = state.withLock({ $0.links.first(where: \.multifd) }) else { return }
        shutdown(link.source, Int32(SHUT_RDWR))
        shutdown(link.destination, Int32(SHUT_RDWR))
    }

    /// Shuts every socket down (the forwarding threads then end).
    func close() {
        closed.store(true, ordering: .releasing)
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in state.withLock({ $0.descriptors }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    deinit {
        close()
        Glibc.close(listener)
        for fd in state.withLock({ $0.descriptors }) { Glibc.close(fd) }
        unlink(path)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            state.withLock { $0.descriptors.append(fd) }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ source: Int32) {
        guard let magic = try? PacketSocket.read(source, count: 4),
            let destination = try? UnixSocketConnector.connect(to: destinationPath)
        else { return }
        state.withLock { state in
            state.descriptors.append(destination)
            state.links.append((source, destination, magic != Array("QEVM".utf8)))
        }
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
            while stalled.load(ordering: .acquiring) && !closed.load(ordering: .acquiring) { usleep(10_000) }
            guard (try? PacketSocket.write(to, Array(buffer[..<got]))) != nil else { break }
        }
        shutdown(to, Int32(SHUT_WR))
    }
}
