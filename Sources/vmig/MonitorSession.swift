import HMP
import QMPClient

/// Runs HMP command lines against one VM and prints what they produce: one command, a script from
/// standard input, or an interactive session. Exit statuses: 0 success, 1 a command failed, 2 the server
/// is unreachable or went away (thrown as ``QMPClientError``).
struct MonitorSession {
    let connection: QMPConnection
    /// The destination's QMP socket, for the integrity check after `migrate`.
    let destinationSocket: String?

    private var interpreter: HMPInterpreter { HMPInterpreter(caller: connection, frontend: .client) }

    /// What one line did.
    struct LineOutcome {
        var succeeded: Bool
        /// `quit` ended the session.
        var ended: Bool
    }

    /// Runs one line: prints its output (failures on standard error) and waits for `migrate` without `-d`.
    func run(_ line: String) throws -> LineOutcome {
        let result = try interpreter.execute(line)
        if result.succeeded { Console.out(result.text) } else { Console.error(result.text) }
        switch result.followUp {
        case .none: return LineOutcome(succeeded: result.succeeded, ended: false)
        case .sessionEnded: return LineOutcome(succeeded: result.succeeded, ended: true)
        case .waitForMigration:
            let completed = try MigrationWatcher(source: connection, destinationSocket: destinationSocket).watch()
            return LineOutcome(succeeded: completed, ended: false)
        }
    }

    /// One command given as words on the command line.
    func runOneShot(_ words: [String]) throws -> Int32 {
        try run(HMPWordJoiner.commandLine(words)).succeeded ? 0 : 1
    }

    /// Every line of standard input; the status is 1 when any command failed. Stops after `quit`.
    func runScript() throws -> Int32 {
        var status: Int32 = 0
        while let line = readLine() {
            let outcome = try run(line)
            if !outcome.succeeded { status = 1 }
            if outcome.ended { break }
        }
        return status
    }

    /// A prompt with line editing, history and completion until Ctrl-D or `quit`.
    func runInteractive() throws -> Int32 {
        Console.out("vmig monitor on \(connection.path) - type 'help' for more information\n")
        Console.out("'quit' stops vmigd, as QEMU's stops QEMU; Ctrl-D leaves vmig and keeps the VM running\n")
        let reader = TerminalLineReader(prompt: "(vmig) ")
        while let line = reader.readLine() {
            if try run(line).ended { break }
        }
        return 0
    }
}
