import ArgumentParser
import HMP
import QMPClient

/// `vmig -s SOCKET [COMMAND …]`: HMP commands against a vmigd, one-shot, scripted or interactive.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Run HMP commands (QEMU's monitor syntax) against a vmigd.",
        discussion: """
            With a command after the options, runs it and exits: 0 on success, 1 when the command fails, 2 when \
            the server cannot be reached. Without one, reads commands from standard input: interactively with \
            line editing, history and tab completion on a terminal, else as a script (the status is 1 if any \
            command failed). 'migrate URI' without -d waits and shows live progress; Ctrl-C cancels the migration.
            Examples:
              vmig -s /tmp/src.qmp info migrate
              vmig -s /tmp/src.qmp migrate_set_parameter max-bandwidth 1G
              vmig -s /tmp/src.qmp --dest-socket /tmp/dst.qmp migrate unix:/tmp/mig.sock
              printf 'stop\\ninfo status\\n' | vmig -s /tmp/src.qmp
            """)

    @Option(name: [.customShort("s"), .customLong("socket")], help: "The VM's QMP socket: PATH or unix:PATH.")
    var socket: String

    @Option(
        name: .customLong("dest-socket"),
        help: "The destination's QMP socket, to compare digests after 'migrate' (the integrity check).")
    var destSocket: String?

    @Option(help: "Seconds to wait for each reply.")
    var timeout: Double = 60

    @Argument(
        parsing: .captureForPassthrough,
        help: "An HMP command line, e.g. 'info status' or 'migrate -d unix:/tmp/mig.sock'.",
        completion: .list(HMPCompleter.commandNames))
    var command: [String] = []

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let status: Int32
        do {
            let connection = try QMPConnection(path: Self.path(of: socket), timeout: timeout)
            try checkDestination()
            let session = MonitorSession(connection: connection, destinationSocket: destSocket.map(Self.path))
            let words = command.first == "--" ? Array(command.dropFirst()) : command
            if !words.isEmpty {
                status = try session.runOneShot(words)
            } else if Console.inputIsTerminal {
                status = try session.runInteractive()
            } else {
                status = try session.runScript()
            }
        } catch let error as QMPClientError {
            Console.error("vmig: \(error)\n")
            throw ExitCode(2)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Connects to `--dest-socket` once before any command runs, so a mistyped one stops vmig before a migration
    /// starts rather than leaving the integrity check undone at its end.
    private func checkDestination() throws {
        guard let destSocket else { return }
        do {
            try QMPConnection(path: Self.path(of: destSocket), timeout: timeout).close()
        } catch {
            Console.error("vmig: --dest-socket: \(error)\n")
            throw ExitCode(2)
        }
    }

    /// `unix:PATH` or `PATH` as a path.
    static func path(of socket: String) -> String {
        socket.hasPrefix("unix:") ? String(socket.dropFirst(5)) : socket
    }
}
