import Glibc

/// Why talking to a QMP server failed, as opposed to a command failing (`QMPCommandFailure`): `vmig` exits with
/// status 2 on it, a test fails.
package enum QMPClientError: Error, CustomStringConvertible {
    /// Connecting failed: the path and the system's reason.
    case unreachable(String, String)
    /// The server closed the connection.
    case closed
    /// No reply within the timeout, in seconds.
    case timeout(Double)
    /// The server sent something that is not QMP.
    case protocolViolation(String)
    /// A socket call failed: the call and the system's reason.
    case system(String, String)

    package var description: String {
        switch self {
        case .unreachable(let path, let reason): return "cannot connect to \(path): \(reason)"
        case .closed: return "the server closed the connection"
        case .timeout(let seconds): return "no reply from the server within \(Int(seconds)) s"
        case .protocolViolation(let detail): return "the server does not speak QMP: \(detail)"
        case .system(let call, let reason): return "\(call): \(reason)"
        }
    }

    /// `.system(call, strerror(errno))`.
    static func system(_ call: String) -> QMPClientError {
        .system(call, String(cString: strerror(errno)))
    }
}
