import Glibc
import POSIXSupport

/// A connected Unix stream socket with blocking writes and reads that wait at most a given time.
final class UnixStreamSocket {
    private var descriptor: Int32

    /// Connects to the socket file at `path`; the error text is the system's (`No such file or directory`).
    init(path: String) throws(QMPConnectionError) {
        do throws(UnixSocketError) {
            descriptor = try UnixSocketConnector.connect(to: path)
        } catch {
            throw .unreachable(path, error.reason)
        }
    }

    deinit { close() }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(QMPConnectionError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw .closed
            }
            offset += sent
        }
    }

    /// Reads what is available, waiting up to `timeout` seconds; empty at the end of the stream.
    func read(timeout: Double) throws(QMPConnectionError) -> [UInt8] {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat {
            ready = poll(&request, 1, Int32(min(timeout, 86_400) * 1000))
        } while ready < 0 && errno == EINTR
        if ready == 0 { throw .timeout(timeout) }
        if ready < 0 { throw .closed }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { return errno == EINTR ? try read(timeout: timeout) : [] }
        return Array(buffer[..<count])
    }

    /// Closes the socket.
    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
