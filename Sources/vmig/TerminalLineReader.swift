import Glibc
import HMP

/// Reads command lines from a terminal with line editing, history (kept in `~/.vmig_history`) and tab
/// completion, putting the terminal in raw mode only while a line is being typed.
final class TerminalLineReader {
    private let prompt: String
    private var editor: LineEditor
    private var decoder = TerminalKeyDecoder()
    private let historyPath: String?

    init(prompt: String) {
        self.prompt = prompt
        historyPath = getenv("HOME").map { String(cString: $0) + "/.vmig_history" }
        editor = LineEditor(history: historyPath.map(Self.loadHistory) ?? [])
    }

    /// The next line, or nil at the end of input (Ctrl-D on an empty line).
    func readLine() -> String? {
        guard let saved = Self.enterRawMode() else { return Swift.readLine() }
        defer { Self.restore(saved) }
        redraw()
        while let byte = Self.readByte() {
            guard let key = decoder.feed(byte) else { continue }
            switch editor.handle(key, complete: HMPCompleter.complete) {
            case .redraw: redraw()
            case .submit(let line):
                Console.out("\n")
                saveHistory()
                return line
            case .endOfInput:
                Console.out("\n")
                return nil
            case .interrupted:
                Console.out("^C\n")
                redraw()
            case .showCandidates(let names):
                Console.out("\n" + Self.columns(names) + "\n")
                redraw()
            case .clearScreen:
                Console.out("\u{1B}[H\u{1B}[2J")
                redraw()
            case .bell: Console.out("\u{07}")
            }
        }
        return nil
    }

    private func redraw() {
        let behind = editor.characters.count - editor.cursor
        Console.out("\r" + prompt + editor.text + "\u{1B}[K" + (behind > 0 ? "\u{1B}[\(behind)D" : ""))
    }

    /// Lays `names` out in columns across the terminal.
    static func columns(_ names: [String]) -> String {
        let cellWidth = (names.map(\.count).max() ?? 0) + 2
        let perRow = max(1, Console.width / cellWidth)
        var rows: [String] = []
        for start in stride(from: 0, to: names.count, by: perRow) {
            let row = names[start..<min(start + perRow, names.count)]
            rows.append(row.map { $0 + String(repeating: " ", count: cellWidth - $0.count) }.joined())
        }
        return rows.joined(separator: "\n")
    }

    private static func readByte() -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(0, &byte, 1)
            if count == 1 { return byte }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Switches the terminal to raw input (no echo, no line buffering, no signals from keys); returns the
    /// settings to restore, or nil when standard input is not a terminal.
    private static func enterRawMode() -> termios? {
        var original = termios()
        guard tcgetattr(0, &original) == 0 else { return nil }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | BRKINT | INPCK | ISTRIP)
        withUnsafeMutableBytes(of: &raw.c_cc) { controls in
            controls[Int(VMIN)] = 1
            controls[Int(VTIME)] = 0
        }
        guard tcsetattr(0, TCSADRAIN, &raw) == 0 else { return nil }
        return original
    }

    private static func restore(_ settings: termios) {
        var settings = settings
        tcsetattr(0, TCSADRAIN, &settings)
    }

    private static func loadHistory(_ path: String) -> [String] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var lines: [String] = []
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&buffer, &capacity, file) > 0, let buffer {
            let line = String(cString: buffer)
            lines.append(line.hasSuffix("\n") ? String(line.dropLast()) : line)
        }
        free(buffer)
        return lines
    }

    private func saveHistory() {
        guard let historyPath, let file = fopen(historyPath, "w") else { return }
        defer { fclose(file) }
        for line in editor.history { fputs(line + "\n", file) }
    }
}
