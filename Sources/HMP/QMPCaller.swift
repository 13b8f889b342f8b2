import JSON

/// What the HMP interpreter needs from a QMP server: run one command and return its `return` value.
///
/// The `vmig` client implements it over a socket; the server implements it in process, so
/// `human-monitor-command` and the client run the same HMP code.
///
/// A command that the server answers with an error must throw ``QMPCallError``; the interpreter prints
/// such errors HMP-style (`Error: …`). Any other error (a lost connection, a timeout) is not the
/// command's fault: the interpreter lets it propagate to its caller.
package protocol QMPCaller {
    /// Runs `command` with `arguments` (empty for none) and returns the reply's `return` value.
    func execute(_ command: String, _ arguments: JSONObject) throws -> JSONValue
}

/// A QMP error reply: QEMU's error class (`GenericError`, `CommandNotFound`, …) and its description.
package struct QMPCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error class, e.g. `GenericError`.
    package let errorClass: String
    /// The human-readable description, printed by HMP after `Error: `.
    package let desc: String

    /// Creates the error of a reply `{"error": {"class": errorClass, "desc": desc}}`.
    package init(errorClass: String, desc: String) {
        self.errorClass = errorClass
        self.desc = desc
    }

    /// `CLASS: desc`.
    package var description: String { "\(errorClass): \(desc)" }
}
