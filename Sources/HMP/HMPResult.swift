/// What running one HMP command line produced.
package struct HMPResult: Sendable, Equatable {
    /// What the client does after printing ``text``.
    package enum FollowUp: Sendable, Equatable {
        /// Nothing: the command is done.
        case none
        /// `migrate` without `-d` started a migration and the client should wait for it, showing progress
        /// (only with ``HMPInterpreter/Frontend/client``).
        case waitForMigration
        /// `quit` was sent: the server is going away and the session is over.
        case sessionEnded
    }

    /// The monitor's output, lines ended by `\n` (QEMU's monitor turns them into CRLF on the wire).
    package var text: String
    /// False when the command failed: unknown command, bad arguments, or an error from the server.
    package var succeeded: Bool
    /// What the client does next.
    package var followUp: FollowUp

    /// Creates a result.
    package init(text: String, succeeded: Bool, followUp: FollowUp = .none) {
        self.text = text
        self.succeeded = succeeded
        self.followUp = followUp
    }

    /// The text as QEMU's `human-monitor-command` returns it: every `\n` preceded by `\r`.
    package var monitorText: String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for character in text {
            if character == "\n" { output.append("\r\n") } else { output.append(character) }
        }
        return output
    }
}
