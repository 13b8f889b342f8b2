/// `help [cmd]` and `info` without a subcommand (QEMU's `help_cmd`).
enum HelpCommands {
    /// `help`: every command; `help NAME`: one; `help info [NAME]`: the info subcommands, or one.
    static func help(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let words = (arguments.string("name") ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        dump(HMPCommandTable.commands, words: words, index: 0, context: context)
    }

    /// `info` alone: the list of info subcommands.
    static func infoHelp(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        dump(HMPCommandTable.commands, words: ["info"], index: 0, context: context)
    }

    private static func dump(_ table: [HMPCommandSpec], words: [String], index: Int, context: HMPCommandContext) {
        let prefix = words.prefix(index).map { $0 + " " }.joined()
        guard index < words.count else {
            for command in table { context.line(line(for: command, prefix: prefix)) }
            return
        }
        guard let command = table.first(where: { $0.matches(words[index]) }) else {
            context.fail("unknown command: '\(words.prefix(index + 1).joined(separator: " "))'\n")
            return
        }
        if command.subcommands.isEmpty {
            context.line(line(for: command, prefix: prefix))
        } else {
            dump(command.subcommands, words: words, index: index + 1, context: context)
        }
    }

    /// `NAME SYNOPSIS -- HELP`, as QEMU prints it (two spaces before `--` when there is no synopsis).
    static func line(for command: HMPCommandSpec, prefix: String) -> String {
        "\(prefix)\(command.name) \(command.synopsis) -- \(command.help)"
    }
}
