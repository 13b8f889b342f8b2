import QEMUFormats

/// A migration URI: `unix:PATH` or `tcp:HOST:PORT` (HOST may be `[IPv6]`; PORT 0 lets a listener pick one),
/// `exec:COMMAND` (run by `/bin/sh -c`) or `file:PATH[,offset=N]`.
public enum MigrationURI: Sendable, Equatable, CustomStringConvertible {
    /// A Unix stream socket at `path`.
    case unix(path: String)
    /// A TCP socket; `host` is without brackets.
    case tcp(host: String, port: UInt16)
    /// A shell command: the stream goes to its stdin (source) or comes from its stdout (destination).
    case exec(command: String)
    /// A file; the stream starts `offset` bytes into it.
    case file(path: String, offset: UInt64)

    /// URI schemes QEMU knows but vmig does not implement.
    private static let knownUnsupported = ["fd", "rdma", "vsock"]

    /// Parses `uri`; throws QEMU's `Parameter 'uri' expects a valid migration protocol` for unknown schemes.
    public init(parsing uri: String) throws {
        if uri.hasPrefix("unix:") {
            let path = String(uri.dropFirst(5))
            guard !path.isEmpty else { throw MigrationError("error parsing address '\(uri)'") }
            self = .unix(path: path)
        } else if uri.hasPrefix("tcp:") {
            self = try MigrationURI.parseInet(String(uri.dropFirst(4)))
        } else if uri.hasPrefix("exec:") {
            self = .exec(command: String(uri.dropFirst(5)))
        } else if uri.hasPrefix("file:") {
            self = try MigrationURI.parseFile(String(uri.dropFirst(5)))
        } else if let scheme = uri.split(separator: ":").first.map(String.init),
                  MigrationURI.knownUnsupported.contains(scheme) {
            throw MigrationError("Migration protocol '\(scheme)' is not supported by vmig (use unix: or tcp:)")
        } else {
            throw MigrationError("Parameter 'uri' expects a valid migration protocol")
        }
    }

    /// Parses `HOST:PORT` or `[V6]:PORT` (options after a comma are ignored, as vmig has none).
    private static func parseInet(_ text: String) throws -> MigrationURI {
        let address = text.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let host: String
        let portText: Substring
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]"),
                  address[address.index(after: close)...].hasPrefix(":") else {
                throw MigrationError("error parsing IPv6 address '\(address)'")
            }
            host = String(address[address.index(after: address.startIndex)..<close])
            portText = address[address.index(close, offsetBy: 2)...]
        } else {
            guard let colon = address.lastIndex(of: ":") else {
                throw MigrationError("error parsing address '\(address)'")
            }
            host = String(address[..<colon])
            portText = address[address.index(after: colon)...]
        }
        guard let port = UInt16(portText) else {
            throw MigrationError("error parsing address '\(address)'")
        }
        return .tcp(host: host, port: port)
    }

    /// QEMU's `file_parse_offset`: the first `,offset=` ends the path and the rest is a size (`qemu_strtosz`).
    private static func parseFile(_ text: String) throws -> MigrationURI {
        let bytes = Array(text.utf8)
        let marker = Array(",offset=".utf8)
        guard let start = (0...max(0, bytes.count - marker.count)).first(where: {
            bytes.count >= marker.count && Array(bytes[$0..<$0 + marker.count]) == marker
        }) else { return .file(path: text, offset: 0) }
        let path = String(decoding: bytes[..<start], as: UTF8.self)
        let value = String(decoding: bytes[(start + marker.count)...], as: UTF8.self)
        do throws(QEMUNumberParser.SizeError) {
            // qemu_strtosz skips leading white space, and takes a negative number for one out of range.
            let unsigned = value.drop { " \t\n\r\u{0B}\u{0C}".contains($0) }
            if unsigned.hasPrefix("-"), let next = unsigned.dropFirst().first, next.isASCII, next.isNumber {
                throw .outOfRange
            }
            let offset = try QEMUNumberParser.size(String(unsigned))
            return .file(path: path, offset: offset)
        } catch {
            let reason = error == .outOfRange ? "Numerical result out of range" : "Invalid argument"
            throw MigrationError("file URI has bad offset \(value): \(reason)")
        }
    }

    /// True for the socket transports (`unix:`, `tcp:`): several channels, a return path on the same connection.
    var isSocket: Bool {
        switch self {
        case .unix, .tcp: return true
        case .exec, .file: return false
        }
    }

    /// The URI text.
    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        case .exec(let command): return "exec:\(command)"
        case .file(let path, let offset): return offset == 0 ? "file:\(path)" : "file:\(path),offset=\(offset)"
        }
    }
}
