import Glibc
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// A migration channel with blocking, whole-buffer I/O (EINTR and short transfers are retried): a connected
/// stream socket, or (`exec:`, `file:`) the pipes of a command or a regular file standing in for one.
///
/// `shutdown()` may be called from any thread to unblock a thread inside a read or write (a pipe's shutdown action
/// ends the command, which breaks its pipes). The descriptors are closed when the last reference goes away (or by
/// `close()`, which callers use only when no other thread can still touch the channel), so a late `shutdown` can
/// never hit a reused descriptor number: `shutdown` and `close` take one lock, and a shutdown after the close does
/// nothing.
public final class SocketConnection: Sendable {
    /// What the descriptors are; it picks the system calls and the error texts (QEMU's per channel type).
    enum Kind: Sendable {
        case socket, pipe, file
    }

    /// The descriptor reads use (and writes too, for sockets and files).
    let fd: Int32
    /// The descriptor writes use (a command's stdin for `exec:`; -1 when the channel cannot be written).
    let writeFD: Int32
    let kind: Kind
    private let shutdownAction: (@Sendable () -> Void)?
    private let isClosed = NIOLockedValueBox<Bool>(false)
    /// Set once `closeWriteSide` closed a separate write descriptor (under `isClosed`'s lock).
    private let isWriteSideClosed = NIOLockedValueBox<Bool>(false)

    init(fd: Int32) {
        self.fd = fd
        writeFD = fd
        kind = .socket
        shutdownAction = nil
    }

    /// A channel over non-socket descriptors: `readFD` and `writeFD` may be equal, or -1 for a missing direction
    /// (it then fails with EBADF, as QEMU's read of a write-only file does). `onShutdown` runs at most once.
    init(readFD: Int32, writeFD: Int32, kind: Kind, onShutdown: (@Sendable () -> Void)? = nil) {
        fd = readFD
        self.writeFD = writeFD
        self.kind = kind
        shutdownAction = onShutdown
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
            let sent = kind == .socket ? Glibc.send(fd, pointer + done, count - done, Int32(MSG_NOSIGNAL))
                : Glibc.write(writeFD, pointer + done, count - done)
            if sent < 0 {
                if errno == EINTR { continue }
                throw writeError()
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
            let sent = kind == .socket ? sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                : Glibc.writev(writeFD, vector + first, Int32(min(count - first, SocketConnection.maxIOVectors)))
            if sent < 0 {
                if errno == EINTR { continue }
                throw writeError()
            }
            first = SocketConnection.advance(vector, from: first, count: count, by: sent)
        }
    }

    /// Reads exactly `count` bytes into `pointer`; end of file before that throws.
    func readExactly(into pointer: UnsafeMutableRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let got = kind == .socket ? recv(fd, pointer + done, count - done, Int32(MSG_WAITALL))
                : Glibc.read(fd, pointer + done, count - done)
            if got < 0 {
                if errno == EINTR { continue }
                throw readError()
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
            let got = kind == .socket ? recv(fd, pointer, capacity, 0) : Glibc.read(fd, pointer, capacity)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw readError()
        }
    }

    /// Fills all buffers of `vector[0..<count]`; the iovecs are consumed (modified) on short reads.
    func readvAll(_ vector: UnsafeMutablePointer<iovec>, count: Int) throws {
        var first = 0
        var message = msghdr()
        while first < count {
            message.msg_iov = vector + first
            message.msg_iovlen = count - first
            let got = kind == .socket ? recvmsg(fd, &message, Int32(MSG_WAITALL))
                : Glibc.readv(fd, vector + first, Int32(min(count - first, SocketConnection.maxIOVectors)))
            if got < 0 {
                if errno == EINTR { continue }
                throw readError()
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
        guard kind != .file else { return false }
        let readHangUp: Int16 = 0x2000 // POLLRDHUP (needs _GNU_SOURCE in C)
        var descriptor = pollfd(fd: fd, events: readHangUp, revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        return descriptor.revents & (readHangUp | Int16(POLLHUP) | Int16(POLLERR)) != 0
    }

    /// True if the peer has closed its side and nothing is left to read (checked without blocking).
    func isAtEndOfFile() -> Bool {
        guard kind == .socket else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 0
    }

    /// Shuts both directions down, waking any blocked reader or writer. Idempotent.
    public func shutdown() {
        let action = isClosed.withLockedValue { closed -> (@Sendable () -> Void)? in
            guard !closed else { return nil }
            if kind == .socket { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
            return shutdownAction
        }
        action?()
    }

    /// Closes the descriptors once.
    public func close() {
        isClosed.withLockedValue { closed in
            if !closed {
                if fd >= 0 { _ = Glibc.close(fd) }
                if writeFD >= 0 && writeFD != fd && !isWriteSideClosed.withLockedValue({ $0 }) {
                    _ = Glibc.close(writeFD)
                }
            }
            closed = true
        }
    }

    /// Closes a separate write descriptor only (a command's stdin: it sees the end of its input), while another
    /// thread may still read the other one. Nothing for sockets and files.
    func closeWriteSide() {
        isClosed.withLockedValue { closed in
            guard !closed, writeFD >= 0, writeFD != fd else { return }
            isWriteSideClosed.withLockedValue { writeClosed in
                if !writeClosed { _ = Glibc.close(writeFD) }
                writeClosed = true
            }
        }
    }

    // MARK: Files (`file:`)

    /// The descriptor of a file channel (read-only or write-only).
    private var fileFD: Int32 { fd >= 0 ? fd : writeFD }

    /// The channel's current file offset (files only).
    func fileOffset() throws -> UInt64 {
        let offset = lseek(fileFD, 0, SEEK_CUR)
        guard offset >= 0 else { throw MigrationError("Unable to seek on file: \(Errno.text())") }
        return UInt64(offset)
    }

    /// Moves the file offset to `offset` (files only).
    func seek(to offset: UInt64) throws {
        guard offset <= UInt64(Int64.max), lseek(fileFD, off_t(offset), SEEK_SET) >= 0 else {
            throw MigrationError("Unable to seek to 0x\(hex(offset)) on file: \(Errno.text())")
        }
    }

    /// Writes `count` bytes at `pointer` to file offset `offset` (files only; the file offset does not move).
    func writeAll(_ pointer: UnsafeRawPointer, count: Int, at offset: UInt64) throws {
        guard offset <= UInt64(Int64.max) - UInt64(count) else { throw writeError(EINVAL) }
        var done = 0
        while done < count {
            let sent = pwrite(writeFD, pointer + done, count - done, off_t(offset) + off_t(done))
            if sent < 0 {
                if errno == EINTR { continue }
                throw writeError()
            }
            done += sent
        }
    }

    /// Reads exactly `count` bytes from file offset `offset` into `pointer` (files only); the end of the file
    /// before that throws QEMU's end-of-file text.
    func readExactly(into pointer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws {
        // An offset past what a file can hold (a hostile header) is past its end.
        guard offset <= UInt64(Int64.max) - UInt64(count) else { throw SocketConnection.endOfFile }
        var done = 0
        while done < count {
            let got = pread(fd, pointer + done, count - done, off_t(offset) + off_t(done))
            if got < 0 {
                if errno == EINTR { continue }
                throw readError()
            }
            if got == 0 { throw SocketConnection.endOfFile }
            done += got
        }
    }

    private func readError(_ code: Int32 = errno) -> MigrationError {
        MigrationError("Unable to read from \(kindName): \(Errno.text(code))")
    }

    private func writeError(_ code: Int32 = errno) -> MigrationError {
        MigrationError("Unable to write to \(kindName): \(Errno.text(code))")
    }

    /// The channel as QEMU's error texts name it.
    private var kindName: String {
        switch kind {
        case .socket: return "socket"
        case .pipe: return "command"
        case .file: return "file"
        }
    }

    /// Linux's `IOV_MAX`: most iovecs one `readv`/`writev` takes.
    private static let maxIOVectors = 1024

    /// QEMU's text for a stream that ends inside a record.
    static let endOfFile = MigrationError("Unexpected end-of-file before all data were read")
}
