#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of a backend call, shaped like a failing ioctl/read/write: an errno value.
package struct VFIOBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The positive errno value (e.g. `EIO`).
    package var errno: Int32
    /// What failed, for the description.
    package var operation: String

    /// Creates an error for `operation` with the positive errno `errno`.
    package init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// The C library's text for `errno`, e.g. `Input/output error`.
    package var reason: String { String(cString: strerror(errno)) }

    /// `operation: reason`.
    package var description: String { "\(operation): \(reason)" }

    /// The positive errno of any error: the backend's own, `EIO` for anything else.
    package static func errnoValue(of error: any Error) -> Int32 {
        (error as? VFIOBackendError)?.errno ?? EIO
    }
}
