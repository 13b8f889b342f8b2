import Glibc
import POSIXSupport

/// A blocking Unix stream socket client with read timeouts: `QMPClient`'s connection, and raw protocol access for
/// tests and benchmarks.
package final class UnixSocket: @unchecked Sendable {
    /// The connected descriptor, -1 once closed.
    package private(set) var fd: Int32

    /// Connects to `path`; the error carries the system's reason (`No such file or directory`).
    package init(path: String) throws(QMPClientError) {
        do throws(UnixSocketError) {
            fd = try UnixSocketConnector.connect(to: path)
        } catch {
            throw .unreachable(path, error.reason)
        }
    }

    deinit { close() }

    /// True when something accepts connections on `path`.
    package static func canConnect(_ path: String) -> Bool { UnixSocketConnector.isListening(path) }

    /// Writes all of `bytes`.
    package func write(_ bytes: [UInt8]) throws(QMPClientError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw errno == EPIPE || errno == ECONNRESET ? .closed : .system("send")
            }
            offset += sent
        }
    }

    /// Writes as much of `bytes` as the peer takes: stops once all is sent or nothing more could be sent for
    /// `stallTimeout` seconds (a peer that stopped reading). Returns the number of bytes sent.
    package func writeUntilStalled(_ bytes: [UInt8], stallTimeout: Double) throws(QMPClientError) -> Int {
        var offset = 0
        while offset < bytes.count {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = Glibc.poll(&descriptor, 1, Int32(stallTimeout * 1000))
            if ready == 0 { break }
            if ready < 0 { throw .system("poll") }
            let sent = bytes[offset...].withUnsafeBytes {
                send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .system("send")
            }
            offset += sent
        }
        return offset
    }

    /// Writes the UTF-8 bytes of `text`.
    package func write(_ text: String) throws(QMPClientError) { try write(Array(text.utf8)) }

    /// Reads what is available, waiting up to `timeout` seconds; empty at end of stream (or a reset connection);
    /// throws on timeout.
    package func read(timeout: Double, max: Int = 65536) throws(QMPClientError) -> [UInt8] {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat {
            ready = Glibc.poll(&descriptor, 1, Int32(min(timeout, 86_400) * 1000))
        } while ready < 0 && errno == EINTR
        if ready == 0 { throw .timeout(timeout) }
        if ready < 0 { throw .system("poll") }
        var buffer = [UInt8](repeating: 0, count: max)
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        } while count < 0 && errno == EINTR
        if count < 0 { return [] }
        return Array(buffer[..<count])
    }

    /// Blocking receive into `buffer` without polling first (for benchmarks); waits at most `timeout` seconds.
    /// Returns the byte count, 0 at end of stream.
    package func receive(into buffer: inout [UInt8], timeout: Double) throws(QMPClientError) -> Int {
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw .system("recv") }
        return count
    }

    /// Receives without sleeping: retries a non-blocking `recv` until data arrives (for latency benchmarks,
    /// where a sleeping reader adds a scheduler wake-up to every round trip). Returns 0 at end of stream.
    package func receiveSpinning(into buffer: inout [UInt8], timeout: Double) throws(QMPClientError) -> Int {
        let deadline = HostClock.monotonicSeconds + timeout
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 { return count }
            guard errno == EAGAIN || errno == EINTR else { throw .system("recv") }
            if HostClock.monotonicSeconds > deadline { throw .timeout(timeout) }
        }
    }

    /// Half-closes: no more writes from this side, as socat does at end of input.
    package func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes the socket.
    package func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
