import JSON

/// What a command handler works with: the QMP server, the output so far and the outcome.
final class HMPCommandContext {
    let caller: any QMPCaller
    let frontend: HMPInterpreter.Frontend
    private(set) var output = ""
    private(set) var succeeded = true
    var followUp: HMPResult.FollowUp = .none

    init(caller: any QMPCaller, frontend: HMPInterpreter.Frontend) {
        self.caller = caller
        self.frontend = frontend
    }

    /// Runs a QMP command; a QMP error reply throws ``QMPCallError``.
    func qmp(_ command: String, _ arguments: JSONObject = [:]) throws -> JSONValue {
        try caller.execute(command, arguments)
    }

    /// Prints `text` and a newline.
    func line(_ text: String) {
        output += text
        output += "\n"
    }

    /// Prints `text` as it is.
    func write(_ text: String) {
        output += text
    }

    /// Prints `text` and marks the command as failed.
    func fail(_ text: String) {
        output += text
        succeeded = false
    }

    /// The outcome.
    var result: HMPResult { HMPResult(text: output, succeeded: succeeded, followUp: followUp) }
}
