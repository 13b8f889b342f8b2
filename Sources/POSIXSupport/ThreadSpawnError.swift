import Glibc

/// Why a ``DedicatedThread`` could not start.
package struct ThreadSpawnError: Error, CustomStringConvertible {
    /// The error number `pthread_create` returned.
    package let code: Int32

    /// The system's text for ``code`` (`Resource temporarily unavailable`).
    package var description: String { String(cString: strerror(code)) }
}
