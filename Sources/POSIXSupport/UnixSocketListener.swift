import Glibc

/// Opens stream sockets listening on Unix socket files.
package enum UnixSocketListener {
    /// A new blocking, close-on-exec stream socket bound to `path` (socket file mode 0600) and listening with a queue of `backlog`
    /// pending connections; the caller owns the descriptor and the socket file (closing the descriptor leaves
    /// the file behind, so the caller unlinks it).
    ///
    /// A file already at `path` is not replaced: that fails with ``UnixSocketError/bindFailed(_:_:)`` and
    /// `EADDRINUSE`. When `listen()` fails, the file just bound is removed again.
    package static func listen(at path: String, backlog: Int32) throws(UnixSocketError) -> Int32 {
        let address = try UnixSocketAddress(path: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socketFailed(errno) }
        // The socket file takes the socket inode's mode (less the umask) at bind: 0600 whatever the umask, with no
        // moment in which another user could connect.
        _ = fchmod(fd, 0o600)
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let code = errno
            close(fd)
            throw .bindFailed(path, code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .listenFailed(path, code)
        }
        return fd
    }
}
