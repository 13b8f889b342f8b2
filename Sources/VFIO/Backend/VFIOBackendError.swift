#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of a backend call, shaped like a failing ioctl/read/write: an errno value.
public struct VFIOBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The positive errno value (e.g. `EIO`).
    public var errno: Int32
    /// What failed, for the description.
    public var operation: String

    /// Creates an error for `operation` with the positive errno `errno`.
    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// The C library's text for `errno`, e.g. `Input/output error`.
    public var reason: String { String(cString: strerror(errno)) }

    /// `operation: reason`.
    public var description: String { "\(operation): \(reason)" }

    /// The positive errno of any error: the backend's own, `EIO` for anything else.
    public static func errnoValue(of error: any Error) -> Int32 {
        (error as? VFIOBackendError)?.errno ?? EIO
    }
}
