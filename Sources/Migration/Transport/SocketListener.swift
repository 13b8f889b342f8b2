import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// A listening socket for a migration URI; reports the address it is bound to (with the real port for `tcp:…:0`).
public final class SocketListener: Sendable {
    private let fd: Int32
    private let unixPath: String?
    /// Device and inode of the socket file this listener created, so `close` removes only that file and never a
    /// newer listener's socket bound to the same path meanwhile.
    private let unixFileIdentity: (device: UInt64, inode: UInt64)?
    /// Set by `close` (no more connections); checked by `accept` without the lock.
    private let isClosed = Atomic<Bool>(false)
    /// Set once the descriptor itself is closed (`release`); `close` and `release` take this lock, so a shutdown
    /// never reaches a descriptor number that was reused meanwhile.
    private let isReleased = NIOLockedValueBox<Bool>(false)

    /// The bound address, as `socket-address` reports it.
    public let address: MigrationSocketAddress

    private init(fd: Int32, address: MigrationSocketAddress, unixPath: String?) {
        self.fd = fd
        self.address = address
        self.unixPath = unixPath
        unixFileIdentity = unixPath.flatMap(Self.fileIdentity)
    }

    private static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    deinit {
        close()
        release()
    }

    /// Binds and listens on `uri`.
    public static func listen(on uri: MigrationURI) throws -> SocketListener {
        switch uri {
        case .unix(let path):
            return try listenUnix(path: path)
        case .tcp(let host, let port):
            return try listenTCP(host: host, port: port)
        case .exec, .file:
            throw MigrationError("'\(uri.description)' is not a socket address")
        }
    }

    /// Waits for the next connection; returns nil once the listener is closed.
    public func accept() throws -> SocketConnection? {
        while true {
            if isClosed.load(ordering: .acquiring) { return nil }
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                if isClosed.load(ordering: .acquiring) {
                    _ = Glibc.close(client)
                    return nil
                }
                let connection = SocketConnection(fd: client)
                if case .inet = address {
                    connection.setBufferSizes(SocketAddressing.tcpBufferSize)
                    SocketAddressing.setNoDelay(client)
                } else {
                    connection.setBufferSizes(SocketAddressing.unixBufferSize)
                }
                return connection
            }
            if isClosed.load(ordering: .acquiring) { return nil }
            if errno == EINTR || errno == ECONNABORTED { continue }
            if errno == EINVAL { return nil }
            throw MigrationError("Unable to accept connection: \(Errno.text())")
        }
    }

    /// Stops listening: wakes a blocked `accept` and removes a Unix socket file. Idempotent. The descriptor itself
    /// stays open until `release` (called by the thread that accepts, once `accept` returned nil) or the listener
    /// is freed, so a thread still inside `accept` can never reach a descriptor number that was reused meanwhile.
    public func close() {
        let first = isReleased.withLockedValue { released -> Bool in
            guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
            if !released { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        if let unixPath, let created = unixFileIdentity, let current = Self.fileIdentity(unixPath),
            current == created
        {
            _ = unlink(unixPath)
        }
    }

    /// Closes the descriptor (once), after `close`; for the accepting thread once it is done with `accept`.
    public func release() {
        close()
        isReleased.withLockedValue { released in
            if !released { _ = Glibc.close(fd) }
            released = true
        }
    }

    /// Unlike QEMU, which unlinks whatever is at `path`, only a stale socket file (nobody accepts on it) is
    /// replaced: a live socket (another listener, a QMP monitor) or a file that is not a socket is refused with
    /// `EADDRINUSE`, as `bind` reports it. The socket file is created 0600 (see `UnixSocketListener`).
    private static func listenUnix(path: String) throws -> SocketListener {
        // The length is checked before the unlink, so a path too long for a socket removes no file.
        _ = try SocketAddressing.unixAddress(path)
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK, !UnixSocketConnector.isListening(path) else {
                throw MigrationError("Failed to bind socket to \(path): \(Errno.text(EADDRINUSE))")
            }
            if unlink(path) != 0 && errno != ENOENT {
                throw MigrationError("Failed to unlink socket \(path): \(Errno.text())")
            }
        }
        do throws(UnixSocketError) {
            let fd = try UnixSocketListener.listen(at: path, backlog: 64)
            return SocketListener(fd: fd, address: .unix(path: path), unixPath: path)
        } catch {
            if case .socketFailed = error { throw MigrationError("Failed to create Unix socket: \(error.reason)") }
            throw SocketAddressing.migrationError(error)
        }
    }

    private static func listenTCP(host: String, port: UInt16) throws -> SocketListener {
        let candidates = try SocketAddressing.resolve(host: host, port: port, passive: true)
        var lastError = EADDRNOTAVAIL
        for candidate in candidates {
            let fd = socket(candidate.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = errno; continue }
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = candidate.withSockaddr { bind(fd, $0, $1) }
            if bound == 0 && Glibc.listen(fd, 64) == 0 {
                let address = SocketAddressing.localAddress(of: fd)
                return SocketListener(fd: fd, address: address, unixPath: nil)
            }
            lastError = errno
            Glibc.close(fd)
        }
        throw MigrationError("Failed to find an available port: \(Errno.text(lastError))")
    }
}
