/// A command error found by the HMP code itself (a bad value, an unknown name), printed like QEMU's
/// `hmp_handle_error`: `Error: MESSAGE` and then the hint lines, if any.
struct HMPError: Error, Equatable {
    /// The message after `Error: `.
    let message: String
    /// Further lines printed after the message (each ended by a newline), like QEMU's error hints.
    let hint: String

    init(_ message: String, hint: String = "") {
        self.message = message
        self.hint = hint
    }

    /// QEMU's `qapi_enum_parse` failure: `invalid parameter value: VALUE`.
    static func invalidParameterValue(_ value: String, suggestion: String? = nil) -> HMPError {
        HMPError("invalid parameter value: \(value)", hint: suggestion.map { "Did you mean '\($0)'?\n" } ?? "")
    }

    /// A name that is not one of the `kind`s (`migration parameter`), with a suggestion or the command that lists
    /// them. (QEMU says `invalid parameter value: NAME`, which reads as if the value were wrong.)
    static func unknownName(_ name: String, kind: String, listedBy command: String, suggestion: String?) -> HMPError {
        HMPError(
            "'\(name)' is not a \(kind)",
            hint: suggestion.map { "Did you mean '\($0)'?\n" } ?? "'\(command)' lists them.\n")
    }

    /// QEMU's `QERR_INVALID_PARAMETER_VALUE`: `Parameter 'NAME' expects WHAT`.
    static func parameterExpects(_ name: String, _ what: String, hint: String = "") -> HMPError {
        HMPError("Parameter '\(name)' expects \(what)", hint: hint)
    }

    /// The text the monitor prints for this error.
    var monitorText: String { "Error: \(message)\n" + hint }
}
