import JSON
import POSIXSupport

/// The blocking QMP client of `vmig`, the tests and the benchmarks: reads the greeting, negotiates, runs commands
/// and collects events (unless told not to). Every read has a timeout, so a broken server fails a call instead of
/// hanging it. Not thread-safe: one thread uses a client at a time.
package final class QMPClient: @unchecked Sendable {
    /// The connection.
    package let socket: UnixSocket
    /// The greeting the server sent.
    package private(set) var greeting: JSONValue = .null
    /// Events received and not yet taken.
    package private(set) var events: [JSONValue] = []
    private var decoder = JSONStreamDecoder()
    private var pending: [JSONValue] = []
    /// Seconds any single read may wait.
    package var timeout: Double
    /// The socket path.
    package let path: String
    /// Whether events are kept in ``events`` (a long-lived client that never looks at them drops them).
    package var keepsEvents = true

    /// Connects and reads the greeting; negotiates unless `negotiate` is false.
    package init(path: String, negotiate: Bool = true, timeout: Double = 30) throws(QMPClientError) {
        self.path = path
        socket = try UnixSocket(path: path)
        self.timeout = timeout
        greeting = try readMessage()
        guard greeting["QMP"] != nil else { throw .protocolViolation("unexpected greeting \(greeting)") }
        if negotiate {
            let reply = try send(["execute": "qmp_capabilities"])
            guard reply["return"] != nil else { throw .protocolViolation("capability negotiation failed: \(reply)") }
        }
    }

    /// Sends one object (as one line: line-based servers need the newline, QMP ignores it) and returns the next
    /// non-event message.
    @discardableResult
    package func send(_ message: JSONValue) throws(QMPClientError) -> JSONValue {
        try socket.write(JSONWriter.encode(message) + [0x0A])
        return try readReply()
    }

    /// Runs `command` and returns its `return` value; an error reply throws ``QMPCommandFailure``, a lost
    /// connection ``QMPClientError``.
    @discardableResult
    package func execute(_ command: String, _ arguments: JSONObject? = nil) throws -> JSONValue {
        var message: JSONObject = ["execute": .string(command)]
        if let arguments { message["arguments"] = .object(arguments) }
        let reply = try send(.object(message))
        if let value = reply["return"] { return value }
        throw QMPCommandFailure(reply: reply)
    }

    /// Reads messages until a non-event arrives; events are kept in ``events``.
    package func readReply() throws(QMPClientError) -> JSONValue {
        while true {
            let message = try readMessage()
            if message["event"] != nil {
                if keepsEvents { events.append(message) }
            } else {
                return message
            }
        }
    }

    /// Waits for an event named `name` (taking it out of ``events``), reading more input as needed.
    @discardableResult
    package func waitForEvent(
        _ name: String, timeout: Double? = nil, where predicate: (JSONValue) -> Bool = { _ in true }
    ) throws(QMPClientError) -> JSONValue {
        let deadline = HostClock.monotonicSeconds + (timeout ?? self.timeout)
        while true {
            if let index = events.firstIndex(where: { $0["event"]?.stringValue == name && predicate($0) }) {
                return events.remove(at: index)
            }
            let remaining = deadline - HostClock.monotonicSeconds
            if remaining <= 0 { throw .timeout(timeout ?? self.timeout) }
            let message = try readMessage(timeout: remaining)
            if message["event"] != nil { events.append(message) } else { pending.append(message) }
        }
    }

    /// Removes and returns the collected events.
    package func takeEvents() -> [JSONValue] {
        defer { events.removeAll() }
        return events
    }

    /// Reads the next message of any kind.
    package func readMessage(timeout: Double? = nil) throws(QMPClientError) -> JSONValue {
        if !pending.isEmpty { return pending.removeFirst() }
        while true {
            if let item = decoder.next() {
                switch item {
                case .value(let value): return value
                case .error(let error): throw .protocolViolation(error.description)
                }
            }
            let bytes = try socket.read(timeout: timeout ?? self.timeout)
            if bytes.isEmpty { throw .closed }
            decoder.feed(bytes)
        }
    }

    /// Closes the connection.
    package func close() { socket.close() }
}

/// A QMP error reply to a command.
package struct QMPCommandFailure: Error, CustomStringConvertible {
    /// The whole error reply.
    package let reply: JSONValue
    /// The error's class.
    package var errorClass: String { reply["error"]?["class"]?.stringValue ?? "" }
    /// The error's description.
    package var desc: String { reply["error"]?["desc"]?.stringValue ?? "" }
    /// `CLASS: desc`.
    package var description: String { "\(errorClass): \(desc)" }
}
