import JSON
import VMigTesting

/// One spawned `vmigd` on a temporary socket, killed by pid when the fixture goes away.
final class DaemonFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let daemon: DaemonProcess

    init(name: String = "vm", arguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "vmig-qmp")
        // Small RAM: these tests are about the protocol, and every daemon touches all of its RAM at start.
        daemon = try DaemonProcess.vmigd(in: directory, name: name, extraArguments: ["-m", "16M"] + arguments)
    }

    deinit {
        daemon.terminate()
    }

    /// A negotiated client.
    func client(negotiate: Bool = true) throws -> QMPTestClient {
        try QMPTestClient(path: daemon.socketPath, negotiate: negotiate)
    }

    /// A raw socket that has already read the greeting line.
    func rawSocket() throws -> RawExchange {
        let exchange = try RawExchange(path: daemon.socketPath)
        _ = try exchange.readLines(1)
        return exchange
    }
}

/// Byte-level conversation with a server, reading CRLF-terminated lines.
final class RawExchange: @unchecked Sendable {
    let socket: UnixSocket
    private var buffer: [UInt8] = []

    init(path: String) throws {
        socket = try UnixSocket(path: path)
    }

    /// Reads exactly `count` lines (each must end in CRLF) and returns them without the CRLF.
    func readLines(_ count: Int, timeout: Double = 10) throws -> [String] {
        var lines: [String] = []
        while lines.count < count {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[..<newline]
                guard line.last == 0x0D else { throw TestingError("line not ended by CRLF: \(String(decoding: line, as: UTF8.self))") }
                lines.append(String(decoding: line.dropLast(), as: UTF8.self))
                buffer.removeSubrange(...newline)
                continue
            }
            let bytes = try socket.read(timeout: timeout)
            if bytes.isEmpty { throw TestingError("connection closed after \(lines)") }
            buffer += bytes
        }
        return lines
    }

    /// Sends `text` and returns the next `count` lines.
    func exchange(_ text: String, lines count: Int = 1) throws -> [String] {
        try socket.write(text)
        return try readLines(count)
    }

    /// Reads until the server closes, returning the complete lines received.
    func readUntilClosed(timeout: Double = 10) throws -> [String] {
        while true {
            let bytes = try socket.read(timeout: timeout)
            if bytes.isEmpty { break }
            buffer += bytes
        }
        let text = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll()
        return text.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
    }
}
