import JSON
import Machine
import QMP
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// One QMP client of a machine served in-process, without a socket, the way NIO's `EmbeddedChannel` serves a
/// handler: input bytes go in, reply lines come out and events collect. They pass through what a socket client of
/// `vmigd` reaches: the stream decoder, the session (negotiation, QEMU's checks in QEMU's order, schema
/// validation), the command table and handlers, and the machine's events mapped to QMP (checked against the
/// schema). Commands run on the caller's thread, one at a time, whatever their execution kind.
package final class EmbeddedMonitor {
    /// The machine the client talks to.
    package let machine: Machine
    private var session: QMPSession
    private var decoder = JSONStreamDecoder()
    private let events = EventLines()
    private let version: QMPVersion

    /// Builds the machine `options` describe, its command table and one client session.
    package init(_ options: MachineOptions, version: QMPVersion = QMPMonitor.version) throws {
        let schema = QAPICommandSchema()
        let hub = QMPEventHub(validator: schema.eventValidator)
        let events = self.events
        hub.observe { name, data in events.append(QMPMessage.event(name, data: data)) }
        machine = try Machine(options, events: { MachineEventJSON.emit($0, on: hub) })
        self.version = version
        session = QMPSession(
            commands: CommandTableBuilder.build(machine: machine, version: version, schema: schema), schema: schema)
    }

    /// The greeting a client reads first.
    package var greeting: [UInt8] { QMPMessage.greeting(version) }

    /// Feeds `bytes` (cut anywhere) and runs every input they complete; returns the reply lines, in order.
    package func feed(_ bytes: some Collection<UInt8>) -> [[UInt8]] {
        decoder.feed(bytes)
        return drain()
    }

    /// The client closed its input: runs what is left and returns the reply lines.
    package func finish() -> [[UInt8]] {
        decoder.finish()
        return drain()
    }

    /// The event lines sent since the last call; a client gets events only once negotiated.
    package func takeEvents() -> [[UInt8]] {
        events.take()
    }

    private func drain() -> [[UInt8]] {
        var replies: [[UInt8]] = []
        while let item = decoder.next() {
            switch session.step(item) {
            case .reply(let bytes):
                replies.append(bytes)
            case .negotiated(let bytes):
                replies.append(bytes)
                events.start()
            case .run(let command, let arguments, let id):
                switch command.invoke(arguments) {
                case .success(let value):
                    replies.append(QMPMessage.reply(value.value, id: id))
                    value.afterReply?()
                case .failure(let error):
                    replies.append(QMPMessage.error(error, id: id))
                }
            }
        }
        return replies
    }
}

/// Event lines for one embedded client, kept from negotiation on (events come from the machine's threads).
private final class EventLines: Sendable {
    private let state = NIOLockedValueBox<(receiving: Bool, lines: [[UInt8]])>((false, []))

    func start() {
        state.withLockedValue { $0.receiving = true }
    }

    func append(_ line: [UInt8]) {
        state.withLockedValue { if $0.receiving { $0.lines.append(line) } }
    }

    func take() -> [[UInt8]] {
        state.withLockedValue { state in
            defer { state.lines.removeAll() }
            return state.lines
        }
    }
}
