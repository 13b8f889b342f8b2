import HMP
import JSON

/// A QMP server stand-in: canned replies per command, canned errors, and a record of every call.
final class FakeQMPCaller: QMPCaller {
    private(set) var calls: [(command: String, arguments: JSONObject)] = []
    var replies: [String: JSONValue]
    var errors: [String: QMPCallError] = [:]

    init(replies: [String: JSONValue] = CannedReplies.all) {
        self.replies = replies
    }

    func execute(_ command: String, _ arguments: JSONObject) throws -> JSONValue {
        calls.append((command, arguments))
        if let error = errors[command] { throw error }
        if let reply = replies[command] { return reply }
        throw QMPCallError(errorClass: "CommandNotFound", desc: "The command \(command) has not been found")
    }

    /// The last call's command and arguments as one JSON object, for comparisons.
    var lastCall: JSONValue? {
        calls.last.map { ["execute": .string($0.command), "arguments": .object($0.arguments)] }
    }

    /// Runs `line` with a client-side interpreter.
    func run(_ line: String, frontend: HMPInterpreter.Frontend = .client) throws -> HMPResult {
        try HMPInterpreter(caller: self, frontend: frontend).execute(line)
    }
}
