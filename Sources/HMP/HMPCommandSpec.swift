/// One HMP command: its names, signature, help line and what it does.
struct HMPCommandSpec: Sendable {
    /// Runs the command with parsed arguments, printing into the context.
    typealias Handler = @Sendable (HMPCommandContext, HMPArguments) throws -> Void

    /// The names as QEMU writes them, aliases after `|`: `cont|c`.
    let name: String
    /// The signature.
    let parameters: [HMPParameter]
    /// The argument synopsis shown by `help`: `[-d] [-r] uri`.
    let synopsis: String
    /// The one-line description shown by `help`.
    let help: String
    /// The subcommands (`info`'s table); a command with subcommands runs `handler` only without one.
    let subcommands: [HMPCommandSpec]
    let handler: Handler

    init(
        _ name: String, _ parameters: [HMPParameter] = [], synopsis: String = "", help: String,
        subcommands: [HMPCommandSpec] = [], handler: @escaping Handler
    ) {
        self.name = name
        self.parameters = parameters
        self.synopsis = synopsis
        self.help = help
        self.subcommands = subcommands
        self.handler = handler
    }

    /// Every name the command answers to: `["cont", "c"]`.
    var names: [String] { name.split(separator: "|").map(String.init) }

    /// The main name: `cont`.
    var primaryName: String { names.first ?? name }

    /// Whether `word` is one of the command's names (QEMU's `hmp_compare_cmd`).
    func matches(_ word: String) -> Bool { names.contains(word) }

    /// Whether the signature has the flag `-letter` at `index` or later (QEMU's `is_valid_option`).
    func hasFlag(_ letter: Character, after index: Int) -> Bool {
        parameters[index...].contains { parameter in
            if case .flag(_, let flagLetter) = parameter { return flagLetter == letter }
            return false
        }
    }
}
