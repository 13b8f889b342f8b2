import Glibc

/// Why a ``DedicatedThread`` could not start.
public struct ThreadSpawnError: Error, CustomStringConvertible {
    /// The error number `pthread_create` returned.
    public let code: Int32

    /// The system's text for ``code`` (`Resource temporarily unavailable`).
    public var description: String { String(cString: strerror(code)) }
}
