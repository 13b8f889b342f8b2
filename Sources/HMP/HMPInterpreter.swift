import JSON

/// Runs HMP command lines (`info migrate`, `migrate_set_parameter max-bandwidth 1G`, …) on top of QMP and
/// returns the text QEMU's human monitor prints.
///
/// The interpreter does no terminal I/O: it only calls QMP through its ``QMPCaller`` and returns text. The
/// `vmig` client and the server's `human-monitor-command` both use it:
///
/// ```swift
/// let interpreter = HMPInterpreter(caller: inProcessCaller)            // frontend .humanMonitorCommand
/// let reply: String = try interpreter.humanMonitorCommand("info status")  // "VM status: running\r\n"
/// ```
///
/// Errors of the command (unknown command, bad value, QMP error reply) are part of the text, as in QEMU, and
/// clear ``HMPResult/succeeded``. Only errors of the caller itself other than ``QMPCallError`` (a lost
/// connection) are thrown.
package struct HMPInterpreter {
    /// Who runs the interpreter; it decides what `migrate` without `-d` does.
    package enum Frontend: Sendable, Equatable {
        /// QMP's `human-monitor-command`: like QEMU, `migrate` without `-d` starts the migration and prints
        /// `terminal does not allow synchronous migration, continuing detached`.
        case humanMonitorCommand
        /// The `vmig` client: `migrate` without `-d` returns ``HMPResult/FollowUp/waitForMigration`` and the
        /// client shows progress until the migration ends.
        case client
    }

    /// Who runs the interpreter.
    package let frontend: Frontend
    private let caller: any QMPCaller

    /// Creates an interpreter that talks to QMP through `caller`.
    package init(caller: any QMPCaller, frontend: Frontend = .humanMonitorCommand) {
        self.caller = caller
        self.frontend = frontend
    }

    /// Runs one command line and returns its output and outcome.
    package func execute(_ commandLine: String) throws -> HMPResult {
        let context = HMPCommandContext(caller: caller, frontend: frontend)
        var scanner = HMPScanner(commandLine)
        guard let command = resolve(in: HMPCommandTable.commands, path: [], scanner: &scanner, context: context) else {
            return context.result
        }
        let nameEnd = scanner.position
        switch HMPArgumentParser.parse(command, from: &scanner) {
        case .failure(let failure):
            if let line = failure.line { context.line(line) }
            scanner.position = nameEnd
            context.fail("Try \"help \(scanner.textTrimmingTrailingSpaces(from: 0))\" for more information\n")
        case .success(let arguments):
            try run(command, arguments, in: context)
        }
        return context.result
    }

    /// Runs one command line and returns the text as QMP's `human-monitor-command` returns it (CRLF line ends).
    package func humanMonitorCommand(_ commandLine: String) throws -> String {
        try execute(commandLine).monitorText
    }

    /// Finds the command named at the scanner (following `info`-style subcommands). Prints QEMU's
    /// `unknown command` message with a hint and returns nil when there is none; returns nil silently on a
    /// blank line.
    private func resolve(
        in table: [HMPCommandSpec], path: [String], scanner: inout HMPScanner, context: HMPCommandContext
    ) -> HMPCommandSpec? {
        guard let name = scanner.commandName() else { return nil }
        guard let command = table.first(where: { $0.matches(name) }) else {
            reportUnknown(name, typed: scanner.text(from: 0), table: table, path: path, context: context)
            return nil
        }
        scanner.skipSpaces()
        if !command.subcommands.isEmpty && !scanner.isAtEnd {
            return resolve(in: command.subcommands, path: path + [command.primaryName], scanner: &scanner, context: context)
        }
        return command
    }

    private func reportUnknown(
        _ name: String, typed: String, table: [HMPCommandSpec], path: [String], context: HMPCommandContext
    ) {
        var text = "unknown command: '\(typed)'\n"
        if let nearest = CommandNameSuggester.suggestion(for: name, among: table.map(\.primaryName)) {
            text += "Did you mean '\((path + [nearest]).joined(separator: " "))'?\n"
        }
        context.fail(text)
    }

    private func run(_ command: HMPCommandSpec, _ arguments: HMPArguments, in context: HMPCommandContext) throws {
        do {
            try command.handler(context, arguments)
        } catch let error as QMPCallError {
            context.fail("Error: \(error.desc)\n")
        } catch let error as HMPError {
            context.fail(error.monitorText)
        }
    }
}
