/// Why talking to a QMP server failed (as opposed to a command failing): `vmig` exits with status 2.
enum QMPConnectionError: Error, CustomStringConvertible {
    /// Connecting failed: the path and the system's reason.
    case unreachable(String, String)
    /// The server closed the connection.
    case closed
    /// No reply within the timeout, in seconds.
    case timeout(Double)
    /// The server sent something that is not QMP.
    case protocolViolation(String)

    var description: String {
        switch self {
        case .unreachable(let path, let reason): return "cannot connect to \(path): \(reason)"
        case .closed: return "the server closed the connection"
        case .timeout(let seconds): return "no reply from the server within \(Int(seconds)) s"
        case .protocolViolation(let detail): return "the server does not speak QMP: \(detail)"
        }
    }
}
