import Glibc
import POSIXSupport

/// Address resolution, connecting, and socket options shared by listeners and outgoing connections.
enum SocketAddressing {
    /// Kernel buffer size for Unix sockets: 1 MiB measured best for 2 GiB over 4 channels on the 2-core build
    /// machine (256 KiB: 5.0–5.7, 1 MiB: 5.6–5.8, 4 MiB: 5.1–5.3, 8 MiB: 4.7–5.5 GiB/s): data still in cache
    /// when the receiver copies it out.
    static let unixBufferSize: Int32 = 1 << 20
    /// Kernel buffer size for TCP sockets (room for a bandwidth-delay product between hosts).
    static let tcpBufferSize: Int32 = 4 << 20

    /// The buffer size for sockets of `uri`.
    static func bufferSize(for uri: MigrationURI) -> Int32 {
        if case .unix = uri { return unixBufferSize }
        return tcpBufferSize
    }

    /// A resolved socket address.
    struct Candidate {
        var family: Int32
        var storage: sockaddr_storage
        var length: socklen_t

        func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
            withUnsafePointer(to: storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
            }
        }
    }

    /// Connects to `uri`, with QEMU's error texts (`Failed to connect to '…': …`). A connect that hangs (unanswered
    /// TCP SYNs, a Unix listener whose backlog is full) is abandoned as soon as `shouldGiveUp` returns true (checked every 50 ms).
    static func connect(to uri: MigrationURI, shouldGiveUp: () -> Bool = { false }) throws -> SocketConnection {
        let connection: SocketConnection
        switch uri {
        case .unix(let path):
            connection = try connectUnix(path: path, shouldGiveUp: shouldGiveUp)
        case .tcp(let host, let port):
            connection = try connectTCP(host: host, port: port, shouldGiveUp: shouldGiveUp)
        case .exec, .file:
            throw MigrationError("'\(uri.description)' is not a socket address")
        }
        connection.setBufferSizes(bufferSize(for: uri))
        return connection
    }

    /// A Unix connect whose listener's backlog is full would block until the listener accepts (forever, if it
    /// never does); it is made non-blocking instead and retried every 20 ms (Linux answers `EAGAIN` at once)
    /// until it succeeds, fails otherwise, or `shouldGiveUp` returns true (`migrate_cancel`).
    private static func connectUnix(path: String, shouldGiveUp: () -> Bool) throws -> SocketConnection {
        let address = try unixAddress(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw migrationError(.socketFailed(errno)) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        while address.withSockaddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            let code = errno
            guard code == EAGAIN || code == EINTR, !shouldGiveUp() else {
                Glibc.close(fd)
                throw migrationError(.connectFailed(path, code == EAGAIN ? ECANCELED : code))
            }
            if code == EAGAIN { usleep(20_000) }
        }
        _ = fcntl(fd, F_SETFL, flags)
        return SocketConnection(fd: fd)
    }

    private static func connectTCP(host: String, port: UInt16, shouldGiveUp: () -> Bool) throws -> SocketConnection {
        let candidates = try resolve(host: host, port: port, passive: false)
        var lastError = ECONNREFUSED
        for candidate in candidates {
            let fd = socket(candidate.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = errno; continue }
            let result = connectNonBlocking(fd, candidate, shouldGiveUp: shouldGiveUp)
            if result == 0 {
                setNoDelay(fd)
                return SocketConnection(fd: fd)
            }
            lastError = result
            Glibc.close(fd)
            if result == ECANCELED { break }
        }
        throw MigrationError("Failed to connect to '\(host):\(port)': \(Errno.text(lastError))")
    }

    /// Connects without blocking indefinitely; returns 0 or an errno value (ECANCELED when given up).
    private static func connectNonBlocking(_ fd: Int32, _ candidate: Candidate, shouldGiveUp: () -> Bool) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if candidate.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        while true {
            if shouldGiveUp() { return ECANCELED }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready < 0 && errno != EINTR { return errno }
            guard ready > 0 else { continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            return error
        }
    }

    /// Resolves `host`/`port` (an empty host means any address when `passive`).
    static func resolve(host: String, port: UInt16, passive: Bool) throws -> [Candidate] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let node = host.isEmpty ? nil : host
        let status = getaddrinfo(node, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw MigrationError("address resolution failed for \(host):\(port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var result: [Candidate] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var storage = sockaddr_storage()
            memcpy(&storage, entry.pointee.ai_addr, Int(entry.pointee.ai_addrlen))
            result.append(Candidate(family: entry.pointee.ai_family, storage: storage, length: entry.pointee.ai_addrlen))
            cursor = entry.pointee.ai_next
        }
        return result
    }

    /// The address of the Unix socket file `path`, or QEMU's "too long" error.
    static func unixAddress(_ path: String) throws -> UnixSocketAddress {
        do throws(UnixSocketError) {
            return try UnixSocketAddress(path: path)
        } catch {
            throw migrationError(error)
        }
    }

    /// QEMU's text for a Unix socket failure (`socketFailed` as a connect reports it; a listener says
    /// "Failed to create Unix socket" instead).
    static func migrationError(_ error: UnixSocketError) -> MigrationError {
        switch error {
        case .pathTooLong(let path): return MigrationError("UNIX socket path '\(path)' is too long")
        case .socketFailed: return MigrationError("Failed to create socket: \(error.reason)")
        case .connectFailed(let path, _): return MigrationError("Failed to connect to '\(path)': \(error.reason)")
        case .bindFailed(let path, _), .listenFailed(let path, _):
            return MigrationError("Failed to bind socket to \(path): \(error.reason)")
        }
    }

    /// The numeric local address of a bound TCP socket.
    static func localAddress(of fd: Int32) -> MigrationSocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                _ = getsockname(fd, address, &length)
                _ = getnameinfo(address, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                                NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let serviceText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .inet(host: hostText, port: UInt16(serviceText) ?? 0, ipv6: Int32(storage.ss_family) == AF_INET6)
    }

    /// Disables Nagle's algorithm (small main-stream records must not wait).
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
