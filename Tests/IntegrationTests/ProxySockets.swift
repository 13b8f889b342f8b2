import Foundation
import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// The sockets of a test proxy between a source and a destination `vmigd`: a Unix listener at ``path`` whose
/// connections are each handed to a thread of their own, and every descriptor the proxy opens, so that
/// ``close()`` can shut them all down (the proxy's threads then end) and releasing it closes them.
final class ProxySockets: @unchecked Sendable {
    /// The socket the source migrates to.
    let path: String
    private let listener: Int32
    private let descriptors = NIOLockedValueBox<[Int32]>([])
    private let closed = Atomic<Bool>(false)

    /// Listens on `path`; nothing is accepted before ``start(serving:)``.
    init(path: String) throws {
        self.path = path
        listener = try UnixSocketListener.listen(at: path, backlog: 16)
    }

    /// Accepts connections from now on, calling `serve` with each one on a new thread.
    func start(serving serve: @escaping @Sendable (Int32) -> Void) {
        Thread.detachNewThread { [self] in
            while true {
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else {
                    if errno == EINTR { continue }
                    return
                }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                track(fd)
                Thread.detachNewThread { serve(fd) }
            }
        }
    }

    /// Adds a descriptor the proxy opened (shut down by `close`, closed on release).
    func track(_ fd: Int32) {
        descriptors.withLockedValue { $0.append(fd) }
    }

    /// Reads the first four bytes of a connection from the source (which tell the main channel from a multifd
    /// one) and opens the matching connection to `destinationPath` (tracked); nil when either fails.
    func connectOnward(from source: Int32, to destinationPath: String) -> (magic: [UInt8], destination: Int32)? {
        guard let magic = try? PacketSocket.read(source, count: 4),
            let destination = try? UnixSocketConnector.connect(to: destinationPath)
        else { return nil }
        track(destination)
        return (magic, destination)
    }

    /// True once ``close()`` ran.
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Shuts every socket down.
    func close() {
        closed.store(true, ordering: .releasing)
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in descriptors.withLockedValue({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    deinit {
        close()
        Glibc.close(listener)
        for fd in descriptors.withLockedValue({ $0 }) { Glibc.close(fd) }
        unlink(path)
    }
}
