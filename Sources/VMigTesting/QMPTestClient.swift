import JSON
import POSIXSupport

/// A small blocking QMP client for tests and benchmarks: reads the greeting, negotiates, runs commands and
/// collects events. Every read has a timeout so a broken server fails a test instead of hanging it.
public final class QMPTestClient: @unchecked Sendable {
    /// The connection.
    public let socket: UnixSocket
    /// The greeting the server sent.
    public private(set) var greeting: JSONValue = .null
    /// Events received and not yet taken.
    public private(set) var events: [JSONValue] = []
    private var decoder = JSONStreamDecoder()
    private var pending: [JSONValue] = []
    /// Seconds any single read may wait.
    public var timeout: Double

    /// Connects and reads the greeting; negotiates unless `negotiate` is false.
    public init(path: String, negotiate: Bool = true, timeout: Double = 30) throws {
        socket = try UnixSocket(path: path)
        self.timeout = timeout
        greeting = try readMessage()
        if negotiate {
            let reply = try send(["execute": "qmp_capabilities"])
            guard reply["return"] != nil else { throw TestingError("negotiation failed: \(reply)") }
        }
    }

    /// Sends one object and returns the next non-event message.
    @discardableResult
    public func send(_ message: JSONValue) throws -> JSONValue {
        try socket.write(JSONWriter.encode(message))
        return try readReply()
    }

    /// Runs `command` and returns its `return` value; throws with the error's class and desc otherwise.
    @discardableResult
    public func execute(_ command: String, _ arguments: JSONObject? = nil) throws -> JSONValue {
        var message: JSONObject = ["execute": .string(command)]
        if let arguments { message["arguments"] = .object(arguments) }
        let reply = try send(.object(message))
        if let value = reply["return"] { return value }
        throw QMPCommandFailure(reply: reply)
    }

    /// Runs `command` expecting an error; returns `(class, desc)`.
    public func expectError(_ command: String, _ arguments: JSONObject? = nil) throws -> (String, String) {
        do {
            let value = try execute(command, arguments)
            throw TestingError("\(command) succeeded unexpectedly: \(value)")
        } catch let failure as QMPCommandFailure {
            return (failure.errorClass, failure.desc)
        }
    }

    /// Reads messages until a non-event arrives; events are kept in ``events``.
    public func readReply() throws -> JSONValue {
        while true {
            let message = try readMessage()
            if message["event"] != nil {
                events.append(message)
            } else {
                return message
            }
        }
    }

    /// Waits for an event named `name` (taking it out of ``events``), reading more input as needed.
    @discardableResult
    public func waitForEvent(_ name: String, timeout: Double? = nil, where predicate: (JSONValue) -> Bool = { _ in true }) throws -> JSONValue {
        let deadline = HostClock.monotonicSeconds + (timeout ?? self.timeout)
        while true {
            if let index = events.firstIndex(where: { $0["event"]?.stringValue == name && predicate($0) }) {
                return events.remove(at: index)
            }
            let remaining = deadline - HostClock.monotonicSeconds
            if remaining <= 0 { throw TestingError("no \(name) event within the timeout; have \(events)") }
            let message = try readMessage(timeout: remaining)
            if message["event"] != nil { events.append(message) } else { pending.append(message) }
        }
    }

    /// Removes and returns the collected events.
    public func takeEvents() -> [JSONValue] {
        defer { events.removeAll() }
        return events
    }

    /// Reads the next message of any kind.
    public func readMessage(timeout: Double? = nil) throws -> JSONValue {
        if !pending.isEmpty { return pending.removeFirst() }
        while true {
            if let item = decoder.next() {
                switch item {
                case .value(let value): return value
                case .error(let error): throw TestingError("server sent bad JSON: \(error)")
                }
            }
            let bytes = try socket.read(timeout: timeout ?? self.timeout)
            if bytes.isEmpty { throw TestingError("server closed the connection") }
            decoder.feed(bytes)
        }
    }
}

/// A QMP error reply to a command.
public struct QMPCommandFailure: Error, CustomStringConvertible {
    /// The whole error reply.
    public let reply: JSONValue
    /// The error's class.
    public var errorClass: String { reply["error"]?["class"]?.stringValue ?? "" }
    /// The error's description.
    public var desc: String { reply["error"]?["desc"]?.stringValue ?? "" }
    /// `CLASS: desc`.
    public var description: String { "\(errorClass): \(desc)" }
}
