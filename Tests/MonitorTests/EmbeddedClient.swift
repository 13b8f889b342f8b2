import JSON
import Machine
import Migration
import Monitor

/// A QMP client of an ``EmbeddedMonitor``: sends JSON, reads replies and events as `JSONValue`s.
final class EmbeddedClient {
    let monitor: EmbeddedMonitor
    private var events: [JSONValue] = []

    /// A negotiated client of a machine with `size` bytes of RAM (zeroed) and the options `configure` sets.
    init(size: Int = 1 << 20, negotiate: Bool = true, _ configure: (inout MachineOptions) -> Void = { _ in }) throws {
        var options = MachineOptions(memoryBytes: size, memoryFill: .zero)
        configure(&options)
        monitor = try EmbeddedMonitor(options)
        if negotiate { _ = send(["execute": "qmp_capabilities"]) }
    }

    var machine: Machine { monitor.machine }

    /// Sends raw text; returns every reply it produced.
    func send(text: String) -> [JSONValue] {
        monitor.feed(Array(text.utf8)).map(Self.decode)
    }

    /// Sends one message; returns its one reply.
    func send(_ message: JSONValue) -> JSONValue {
        send(text: JSONWriter.string(message)).first ?? .null
    }

    /// `execute` with `arguments`; returns the `return` value, or the whole reply when it is an error.
    func execute(_ command: String, _ arguments: JSONObject? = nil) -> JSONValue {
        var message: JSONObject = ["execute": .string(command)]
        if let arguments { message["arguments"] = .object(arguments) }
        let reply = send(.object(message))
        return reply["return"] ?? reply
    }

    /// The events received so far (and not yet taken) named `name`, taken out.
    func take(_ name: String) -> [JSONValue] {
        events += monitor.takeEvents().map(Self.decode)
        let matching = events.filter { $0["event"]?.stringValue == name }
        events.removeAll { $0["event"]?.stringValue == name }
        return matching
    }

    /// The one JSON value of a reply or event line.
    static func decode(_ line: [UInt8]) -> JSONValue {
        var decoder = JSONStreamDecoder()
        decoder.feed(line)
        guard case .value(let value)? = decoder.next() else { return .null }
        return value
    }
}
