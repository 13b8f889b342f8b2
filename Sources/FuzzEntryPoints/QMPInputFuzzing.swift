import JSON
import Machine
import Monitor
import QAPI
import QMP

/// Fuzz entry over the QMP input path: the stream decoder, then the session (shape checks, negotiation,
/// command lookup, schema validation), then the read-only commands themselves, exactly as a connection runs
/// them. Every reply must be one well-formed JSON object line; anything else stops the fuzzer.
package enum QMPInputFuzzing {
    /// Commands run for real: read-only queries. `query-qmp-schema` is left out only for speed (one call costs
    /// as much as thousands of others); its arguments are still validated.
    private static func runs(_ name: String) -> Bool {
        name.hasPrefix("query-") && name != "query-qmp-schema"
    }

    private static let commands: QMPCommandTable = {
        let options = MachineOptions(memoryBytes: 1 << 16, memoryFill: .zero)
        guard let machine = try? Machine(options) else { fatalError("cannot build the machine") }
        let version = QMPVersion(major: 10, minor: 0, micro: 0, package: "vmig-fuzz")
        return CommandTableBuilder.build(machine: machine, version: version, schema: QAPICommandSchema())
    }()

    /// The first two bytes steer the run: the input (the rest) is fed in two pieces cut where the first byte says
    /// (so that values split across reads are covered too), and the session starts negotiated, with OOB, when
    /// the second byte is odd.
    package static func run(_ data: [UInt8]) {
        guard data.count >= 2 else { return }
        var session = QMPSession(commands: commands, schema: QAPICommandSchema())
        var decoder = JSONStreamDecoder()
        if data[1] & 1 == 1 {
            _ = session.step(.value(["execute": "qmp_capabilities", "arguments": ["enable": ["oob"]]]))
        }
        let input = data.dropFirst(2)
        let cut = Int(data[0])
        for piece in [input.prefix(cut), input.dropFirst(cut)] {
            decoder.feed(piece)
            while let item = decoder.next() { check(reply(to: item, session: &session)) }
        }
        decoder.finish()
        while let item = decoder.next() { check(reply(to: item, session: &session)) }
    }

    private static func reply(to item: JSONStreamDecoder.Item, session: inout QMPSession) -> [UInt8] {
        switch session.step(item) {
        case .reply(let bytes), .negotiated(let bytes):
            return bytes
        case .run(let command, let arguments, let id):
            guard runs(command.name) else { return QMPMessage.reply(.emptyObject, id: id) }
            switch command.invoke(arguments) {
            case .success(let value): return QMPMessage.reply(value.value, id: id)
            case .failure(let error): return QMPMessage.error(error, id: id)
            }
        }
    }

    /// A reply is exactly one JSON object followed by CRLF.
    private static func check(_ line: [UInt8]) {
        precondition(line.suffix(2) == [0x0D, 0x0A], "reply does not end in CRLF")
        var decoder = JSONStreamDecoder()
        decoder.feed(line)
        let items = decoder.drain()
        guard items.count == 1, case .value(let value) = items[0], value.objectValue != nil else {
            preconditionFailure("reply is not one JSON object: \(String(decoding: line, as: UTF8.self))")
        }
    }
}
