import Foundation
import Glibc
import POSIXSupport
import Synchronization

/// A slow link between a source and a destination `vmigd` on Unix sockets: every connection the source opens to
/// ``path`` is forwarded to the destination's socket, and what flows from source to destination, over all
/// connections together, is held to `bytesPerSecond` (the return path is not slowed).
final class ThrottlingProxy: @unchecked Sendable {
    /// The socket the source migrates to.
    let path: String
    private let destinationPath: String
    private let bytesPerSecond: Double
    private let listener: Int32
    /// The monotonic time (ns) at which the link is free again, and every descriptor opened.
    private let state = Mutex<(freeAt: UInt64, descriptors: [Int32])>((0, []))

    /// Starts listening on `path` and forwarding to `destinationPath` at `bytesPerSecond`.
    init(path: String, destinationPath: String, bytesPerSecond: Double) throws {
        self.path = path
        self.destinationPath = destinationPath
        self.bytesPerSecond = bytesPerSecond
        listener = try UnixSocketListener.listen(at: path, backlog: 16)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Shuts every socket down (the threads then end).
    func close() {
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
            track(fd)
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func track(_ fd: Int32) {
        state.withLock { $0.descriptors.append(fd) }
    }

    private func serve(_ source: Int32) {
        guard let destination = try? UnixSocketConnector.connect(to: destinationPath) else { return }
        track(destination)
        Thread.detachNewThread { PacketSocket.pump(from: destination, to: source) }
        PacketSocket.pump(from: source, to: destination) { [self] count in pace(count) }
    }

    /// Books `count` bytes on the shared link and sleeps until they have gone through.
    private func pace(_ count: Int) {
        let cost = UInt64(Double(count) / bytesPerSecond * 1e9)
        let now = DispatchTime.now().uptimeNanoseconds
        let done = state.withLock { state -> UInt64 in
            state.freeAt = max(state.freeAt, now) + cost
            return state.freeAt
        }
        if done > now { usleep(useconds_t(min((done - now) / 1000, 1_000_000))) }
    }
}
