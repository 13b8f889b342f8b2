/// A socket address as QEMU's `SocketAddress` reports it in `socket-address`.
public enum MigrationSocketAddress: Sendable, Equatable {
    /// `{"type":"unix","path":...}`
    case unix(path: String)
    /// `{"type":"inet","host":...,"port":"N"}` with `ipv4: true` or `ipv6: true`, as QEMU reports a bound socket.
    case inet(host: String, port: UInt16, ipv6: Bool)
}
