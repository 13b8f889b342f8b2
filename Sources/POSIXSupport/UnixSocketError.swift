import Glibc

/// Why a Unix socket address could not be built, a connection to it could not be made, or a socket could not
/// listen on it.
package enum UnixSocketError: Error, CustomStringConvertible {
    /// The path does not fit a `sockaddr_un`.
    case pathTooLong(String)
    /// `socket()` failed with this error number.
    case socketFailed(Int32)
    /// `connect()` to the path failed with this error number.
    case connectFailed(String, Int32)
    /// `bind()` to the path failed with this error number (`EADDRINUSE` when a file is already there).
    case bindFailed(String, Int32)
    /// `listen()` on the socket bound to the path failed with this error number.
    case listenFailed(String, Int32)

    /// Why, without the path: the system's text (`No such file or directory`) or `socket path too long`.
    package var reason: String {
        switch self {
        case .pathTooLong: return "socket path too long"
        case .socketFailed(let code), .connectFailed(_, let code), .bindFailed(_, let code), .listenFailed(_, let code):
            return String(cString: strerror(code))
        }
    }

    /// `socket: REASON`, `connect PATH: REASON`, `bind PATH: REASON`, `listen PATH: REASON` or
    /// `PATH: socket path too long`.
    package var description: String {
        switch self {
        case .pathTooLong(let path): return "\(path): \(reason)"
        case .socketFailed: return "socket: \(reason)"
        case .connectFailed(let path, _): return "connect \(path): \(reason)"
        case .bindFailed(let path, _): return "bind \(path): \(reason)"
        case .listenFailed(let path, _): return "listen \(path): \(reason)"
        }
    }
}
