import Glibc

/// The address (`sockaddr_un`) of a Unix-domain socket file, for `connect` and `bind`.
package struct UnixSocketAddress {
    /// The socket file's path.
    package let path: String
    private var address = sockaddr_un()

    /// The address of `path`; throws ``UnixSocketError/pathTooLong(_:)`` when the path and its terminating NUL
    /// do not fit `sun_path` (108 bytes on Linux).
    package init(path: String) throws(UnixSocketError) {
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .pathTooLong(path) }
        self.path = path
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    package func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
