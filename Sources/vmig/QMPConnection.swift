import HMP
import JSON

/// A blocking QMP client: connects to a Unix socket, reads the greeting, negotiates capabilities, and runs
/// commands one at a time. Events that arrive between replies are dropped.
final class QMPConnection: QMPCaller {
    /// The socket path.
    let path: String
    private let socket: UnixStreamSocket
    private let timeout: Double
    private var decoder = JSONStreamDecoder()
    private var nextID: Int64 = 1

    /// Connects to `path` and negotiates; waits at most `timeout` seconds for each reply.
    init(path: String, timeout: Double = 60) throws(QMPConnectionError) {
        self.path = path
        self.timeout = timeout
        socket = try UnixStreamSocket(path: path)
        let greeting = try readMessage()
        guard greeting["QMP"] != nil else { throw .protocolViolation("unexpected greeting \(greeting)") }
        do {
            _ = try execute("qmp_capabilities", [:])
        } catch let error as QMPConnectionError {
            throw error
        } catch {
            throw .protocolViolation("capability negotiation failed: \(error)")
        }
    }

    /// Runs `command`; a QMP error reply throws ``QMPCallError``, a lost connection ``QMPConnectionError``.
    func execute(_ command: String, _ arguments: JSONObject) throws -> JSONValue {
        let id = nextID
        nextID += 1
        var request: JSONObject = ["execute": .string(command)]
        if !arguments.isEmpty { request["arguments"] = .object(arguments) }
        request["id"] = .int(id)
        try socket.write(JSONWriter.encode(.object(request)) + [0x0A])
        return try reply(to: id)
    }

    /// Closes the connection.
    func close() { socket.close() }

    private func reply(to id: Int64) throws -> JSONValue {
        while true {
            let message = try readMessage()
            guard message["event"] == nil, message["id"] == .int(id) else { continue }
            if let value = message["return"] { return value }
            let error = message["error"] ?? .emptyObject
            throw QMPCallError(errorClass: error["class"]?.stringValue ?? "", desc: error["desc"]?.stringValue ?? "")
        }
    }

    private func readMessage() throws(QMPConnectionError) -> JSONValue {
        while true {
            switch decoder.next() {
            case .value(let value): return value
            case .error(let error): throw .protocolViolation(error.description)
            case nil:
                let bytes = try socket.read(timeout: timeout)
                guard !bytes.isEmpty else { throw .closed }
                decoder.feed(bytes)
            }
        }
    }
}
