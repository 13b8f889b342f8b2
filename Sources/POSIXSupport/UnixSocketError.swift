import Glibc

/// Why a Unix socket address could not be built or a connection to it could not be made.
public enum UnixSocketError: Error, CustomStringConvertible {
    /// The path does not fit a `sockaddr_un`.
    case pathTooLong(String)
    /// `socket()` failed with this error number.
    case socketFailed(Int32)
    /// `connect()` to the path failed with this error number.
    case connectFailed(String, Int32)

    /// Why, without the path: the system's text (`No such file or directory`) or `socket path too long`.
    public var reason: String {
        switch self {
        case .pathTooLong: return "socket path too long"
        case .socketFailed(let code), .connectFailed(_, let code): return String(cString: strerror(code))
        }
    }

    /// `socket: REASON`, `connect PATH: REASON` or `PATH: socket path too long`.
    public var description: String {
        switch self {
        case .pathTooLong(let path): return "\(path): \(reason)"
        case .socketFailed: return "socket: \(reason)"
        case .connectFailed(let path, _): return "connect \(path): \(reason)"
        }
    }
}
