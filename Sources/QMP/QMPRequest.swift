import JSON

/// One checked request: `{"execute"|"exec-oob": NAME, "arguments": {...}, "id": ANY}`.
package struct QMPRequest: Sendable {
    /// The command name.
    package var command: String
    /// The arguments (`{}` when absent).
    package var arguments: JSONObject
    /// The request's `id`, echoed unchanged in the reply.
    package var id: JSONValue?
    /// True for `exec-oob`.
    package var outOfBand: Bool

    /// Checks the top-level shape of an input value with QEMU's texts (qmp_dispatch_check_obj).
    /// On failure, returns the error and the id to echo (when the input was an object carrying one).
    static func parse(_ input: JSONValue, oobEnabled: Bool) -> Result<QMPRequest, RequestFailure> {
        guard case .object(let members) = input else {
            return .failure(RequestFailure(error: .generic("QMP input must be a JSON object"), id: nil))
        }
        let id = members["id"]
        func fail(_ text: String) -> Result<QMPRequest, RequestFailure> {
            .failure(RequestFailure(error: .generic(text), id: id))
        }
        var execute: String?
        var executeOOB: String?
        var arguments = JSONObject()
        for (key, value) in members {
            switch key {
            case "execute":
                guard case .string(let name) = value else { return fail("QMP input member 'execute' must be a string") }
                execute = name
            case "exec-oob":
                guard oobEnabled else { return fail("QMP input member 'exec-oob' is unexpected") }
                guard case .string(let name) = value else { return fail("QMP input member 'exec-oob' must be a string") }
                executeOOB = name
            case "arguments":
                guard case .object(let object) = value else {
                    return fail("QMP input member 'arguments' must be an object")
                }
                arguments = object
            case "id":
                break
            default:
                return fail("QMP input member '\(key)' is unexpected")
            }
        }
        switch (execute, executeOOB) {
        case (let name?, nil):
            return .success(QMPRequest(command: name, arguments: arguments, id: id, outOfBand: false))
        case (nil, let name?):
            return .success(QMPRequest(command: name, arguments: arguments, id: id, outOfBand: true))
        case (nil, nil):
            return fail("QMP input lacks member 'execute'")
        default:
            return fail("QMP input must contain exactly one of 'execute' and 'exec-oob'")
        }
    }

    struct RequestFailure: Error {
        var error: QMPError
        var id: JSONValue?
    }
}
