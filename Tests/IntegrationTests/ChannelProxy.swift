import Foundation
import Glibc
import POSIXSupport
import Synchronization

/// A man in the middle between a source and a destination `vmigd` on Unix sockets: the source migrates to
/// ``path``, and each connection it opens is forwarded to the destination's socket. The main channel (it starts
/// with `QEVM`) is copied both ways (the return path too), its source-to-destination bytes reported to
/// `mainBytes`; a multifd channel is handed, with its 64-byte hello read, to `multifd`, which forwards it.
final class ChannelProxy: @unchecked Sendable {
    /// Forwards one multifd channel: the hello bytes already read, the source's and the destination's socket.
    typealias MultiFDForwarder = @Sendable (_ hello: [UInt8], _ source: Int32, _ destination: Int32) throws -> Void

    private let sockets: ProxySockets
    private let destinationPath: String
    private let mainBytes: @Sendable (Int) -> Void
    private let multifd: MultiFDForwarder

    /// The socket the source migrates to.
    var path: String { sockets.path }

    /// Starts listening on `path` and forwarding to `destinationPath`.
    init(path: String, destinationPath: String, mainBytes: @escaping @Sendable (Int) -> Void = { _ in },
         multifd: @escaping MultiFDForwarder) throws {
        sockets = try ProxySockets(path: path)
        self.destinationPath = destinationPath
        self.mainBytes = mainBytes
        self.multifd = multifd
        sockets.start { [self] fd in serve(fd) }
    }

    /// Shuts every socket down (the threads then end).
    func close() {
        sockets.close()
    }

    private func serve(_ source: Int32) {
        guard let (magic, destination) = sockets.connectOnward(from: source, to: destinationPath) else { return }
        if magic == Array("QEVM".utf8) {
            mainBytes(magic.count)
            try? PacketSocket.write(destination, magic)
            Thread.detachNewThread { PacketSocket.pump(from: destination, to: source) }
            PacketSocket.pump(from: source, to: destination, counting: mainBytes)
        } else if let rest = try? PacketSocket.read(source, count: MultiFDPacket.helloSize - magic.count) {
            try? multifd(magic + rest, source, destination)
        }
    }
}

/// Blocking whole-buffer socket I/O for the proxies.
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

    /// Copies `from` to `to` until either side ends, then ends `to`'s writing side; `counting` learns how many
    /// bytes each read brought (before they are written on).
    static func pump(from: Int32, to: Int32, counting: (Int) -> Void = { _ in }) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress!, $0.count, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            counting(got)
            guard (try? write(to, Array(buffer[..<got]))) != nil else { break }
        }
        shutdown(to, Int32(SHUT_WR))
    }

    static func be32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
