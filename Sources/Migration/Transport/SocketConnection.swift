import Glibc
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A connected stream socket with blocking, whole-buffer I/O (EINTR and short transfers are retried).
///
/// `shutdown()` may be called from any thread to unblock a thread inside a read or write. The descriptor is closed
/// when the last reference goes away (or by `close()`, which callers use only when no other thread can still
/// touch the socket), so a late `shutdown` can never hit a reused descriptor number: `shutdown` and `close` take
/// one lock, and a shutdown after the close does nothing.
public final class SocketConnection: Sendable {
    /// The file descriptor.
    let fd: Int32
    private let isClosed = NIOLockedValueBox<Bool>(false)

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        close()
    }

    /// Takes ownership of a connected stream socket descriptor (tests and tools).
    public static func adopt(fd: Int32) -> SocketConnection {
        SocketConnection(fd: fd)
    }

    /// A connected pair of Unix sockets (tests and in-process plumbing).
    public static func pair() throws -> (SocketConnection, SocketConnection) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw MigrationError("socketpair failed: \(Errno.text())")
        }
        return (SocketConnection(fd: fds[0]), SocketConnection(fd: fds[1]))
    }

    /// Sets the kernel send and receive buffers to `bytes` (forced past the sysctl limits when privileged).
    func setBufferSizes(_ bytes: Int32) {
        var value = bytes
        let size = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, 32 /* SO_SNDBUFFORCE */, &value, size) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, size)
        }
        if setsockopt(fd, SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, &value, size) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, size)
        }
    }

    /// Writes all `count` bytes at `pointer`.
    func writeAll(_ pointer: UnsafeRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let sent = Glibc.send(fd, pointer + done, count - done, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                if errno == EINTR { continue }
                throw MigrationError("Unable to write to socket: \(Errno.text())")
            }
            done += sent
        }
    }

    /// Writes all of `bytes`.
    public func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll($0.baseAddress!, count: $0.count) }
    }

    /// Writes all buffers described by `vector[0..<count]`; the iovecs are consumed (modified) on short writes.
    func writevAll(_ vector: UnsafeMutablePointer<iovec>, count: Int) throws {
        var first = 0
        var message = msghdr()
        while first < count {
            message.msg_iov = vector + first
            message.msg_iovlen = count - first
            let sent = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                if errno == EINTR { continue }
                throw MigrationError("Unable to write to socket: \(Errno.text())")
            }
            first = SocketConnection.advance(vector, from: first, count: count, by: sent)
        }
    }

    /// Reads exactly `count` bytes into `pointer`; end of file before that throws.
    func readExactly(into pointer: UnsafeMutableRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let got = recv(fd, pointer + done, count - done, Int32(MSG_WAITALL))
            if got < 0 {
                if errno == EINTR { continue }
                throw MigrationError("Unable to read from socket: \(Errno.text())")
            }
            if got == 0 {
                throw SocketConnection.endOfFile
            }
            done += got
        }
    }

    /// Reads exactly `count` bytes.
    public func read(count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        // Filled by the read: no zeroing pass first.
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readExactly(into: UnsafeMutableRawPointer(buffer.baseAddress!), count: count)
            initialized = count
        }
    }

    /// Reads up to `capacity` bytes (at least one); returns 0 at end of file.
    func readSome(into pointer: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        while true {
            let got = recv(fd, pointer, capacity, 0)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw MigrationError("Unable to read from socket: \(Errno.text())")
        }
    }

    /// Fills all buffers of `vector[0..<count]`; the iovecs are consumed (modified) on short reads.
    func readvAll(_ vector: UnsafeMutablePointer<iovec>, count: Int) throws {
        var first = 0
        var message = msghdr()
        while first < count {
            message.msg_iov = vector + first
            message.msg_iovlen = count - first
            let got = recvmsg(fd, &message, Int32(MSG_WAITALL))
            if got < 0 {
                if errno == EINTR { continue }
                throw MigrationError("Unable to read from socket: \(Errno.text())")
            }
            if got == 0 {
                throw SocketConnection.endOfFile
            }
            first = SocketConnection.advance(vector, from: first, count: count, by: got)
        }
    }

    /// Skips `transferred` bytes of the iovec array; returns the index of the first unfinished entry.
    private static func advance(_ vector: UnsafeMutablePointer<iovec>, from first: Int, count: Int,
                                by transferred: Int) -> Int {
        var index = first
        var left = transferred
        while index < count && left >= vector[index].iov_len {
            left -= vector[index].iov_len
            index += 1
        }
        if index < count && left > 0 {
            vector[index].iov_base = vector[index].iov_base! + left
            vector[index].iov_len -= left
        }
        return index
    }

    /// True if the peer has closed its side (checked without blocking).
    func peerHasClosed() -> Bool {
        let readHangUp: Int16 = 0x2000 // POLLRDHUP (needs _GNU_SOURCE in C)
        var descriptor = pollfd(fd: fd, events: readHangUp, revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        return descriptor.revents & (readHangUp | Int16(POLLHUP) | Int16(POLLERR)) != 0
    }

    /// True if the peer has closed its side and nothing is left to read (checked without blocking).
    func isAtEndOfFile() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 0
    }

    /// Shuts both directions down, waking any blocked reader or writer. Idempotent.
    public func shutdown() {
        isClosed.withLockedValue { closed in
            if !closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the descriptor once.
    public func close() {
        isClosed.withLockedValue { closed in
            if !closed { _ = Glibc.close(fd) }
            closed = true
        }
    }

    /// QEMU's text for a stream that ends inside a record.
    static let endOfFile = MigrationError("Unexpected end-of-file before all data were read")
}
