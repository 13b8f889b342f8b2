/// Joins shell words into one HMP command line. A single word is taken as the whole line
/// (`vmig -s S "info status"`); of several, the words that hold spaces or quotes are double-quoted with
/// HMP's escapes, so `vmig -s S qom-get "/machine/peripheral/my dev" prop` keeps the path one word.
enum HMPWordJoiner {
    static func commandLine(_ words: [String]) -> String {
        words.count == 1 ? words[0] : words.map(quoted).joined(separator: " ")
    }

    private static func quoted(_ word: String) -> String {
        guard word.isEmpty || word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\n" }) else {
            return word
        }
        var escaped = ""
        for character in word {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }
}
