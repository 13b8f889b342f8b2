/// Tab completion of HMP command lines: command names, `info` subcommands, capability and parameter names,
/// `on`/`off`, and enum values of parameters.
package enum HMPCompleter {
    /// The completion of the last word of `line` (the text before the cursor).
    package static func complete(_ line: String) -> HMPCompletion {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let word = (line.last.map { $0 == " " || $0 == "\t" } ?? true) ? "" : (words.popLast() ?? "")
        let candidates = names(after: words).filter { $0.hasPrefix(word) }
        return HMPCompletion(word: word, candidates: candidates)
    }

    /// Every top-level command name, aliases of one character left out.
    package static var commandNames: [String] {
        completableNames(HMPCommandTable.commands)
    }

    private static func completableNames(_ table: [HMPCommandSpec]) -> [String] {
        table.flatMap(\.names).filter { $0.count > 1 }
    }

    /// The names that may follow `words`.
    private static func names(after words: [String]) -> [String] {
        guard let first = words.first else { return commandNames }
        let command = HMPCommandTable.commands.first { $0.matches(first) }
        switch (command?.primaryName, words.count) {
        case ("info", 1): return completableNames(HMPCommandTable.infoCommands)
        case ("help", 1): return commandNames
        case ("help", 2) where words[1] == "info": return completableNames(HMPCommandTable.infoCommands)
        case ("migrate_set_capability", 1): return MigrationVocabulary.capabilities
        case ("migrate_set_capability", 2): return ["on", "off"]
        case ("migrate_set_parameter", 1): return MigrationParameterCatalog.names
        case ("migrate_set_parameter", 2): return parameterValues(words[1])
        case ("migrate_continue", 1): return MigrationVocabulary.statuses
        default: return []
        }
    }

    private static func parameterValues(_ name: String) -> [String] {
        switch MigrationParameterCatalog.kind(of: name) {
        case .enumeration(let values): return values
        case .boolean: return ["on", "off"]
        default: return []
        }
    }
}
