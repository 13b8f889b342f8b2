import Glibc

/// Opens stream sockets connected to Unix socket files.
package enum UnixSocketConnector {
    /// A new blocking, close-on-exec stream socket connected to `path`; the caller owns the descriptor.
    package static func connect(to path: String) throws(UnixSocketError) -> Int32 {
        let address = try UnixSocketAddress(path: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socketFailed(errno) }
        guard address.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
            let code = errno
            close(fd)
            throw .connectFailed(path, code)
        }
        return fd
    }

    /// True when something accepts connections on `path` (the probe connection is closed at once).
    package static func isListening(_ path: String) -> Bool {
        guard let fd = try? connect(to: path) else { return false }
        close(fd)
        return true
    }
}
