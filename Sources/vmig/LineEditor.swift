import HMP

/// The editing state of one input line with history and tab completion, independent of any terminal:
/// feed it keys, then draw ``text`` with the cursor at ``cursor``.
struct LineEditor: Sendable {
    /// What a key did, beyond changing the line.
    enum Event: Sendable, Equatable {
        /// The line changed or the cursor moved: redraw it.
        case redraw
        /// Enter: the finished line (added to the history without trailing spaces).
        case submit(String)
        /// Ctrl-D on an empty line.
        case endOfInput
        /// Ctrl-C: the line was dropped.
        case interrupted
        /// Tab found several names and could not complete further: list them, then redraw.
        case showCandidates([String])
        /// Ctrl-L: clear the screen, then redraw.
        case clearScreen
        /// Nothing to do (e.g. Tab without a match): ring the bell.
        case bell
    }

    /// The line's characters.
    private(set) var characters: [Character] = []
    /// The cursor position, 0...characters.count.
    private(set) var cursor = 0
    /// Earlier lines, oldest first.
    private(set) var history: [String]
    private let historyLimit: Int
    /// The history entry being shown; `history.count` means the line being typed.
    private var historyPosition: Int
    /// The line being typed while the user browses the history.
    private var draft: [Character] = []

    /// Creates an editor that remembers up to `historyLimit` lines, starting with `history`.
    init(history: [String] = [], historyLimit: Int = 500) {
        self.history = Array(history.suffix(historyLimit))
        self.historyLimit = historyLimit
        historyPosition = self.history.count
    }

    /// The line as text.
    var text: String { String(characters) }

    /// Applies one key. `complete` gives the candidates for the text before the cursor.
    mutating func handle(_ key: TerminalKey, complete: (String) -> HMPCompletion) -> Event {
        switch key {
        case .character(let character): insert([character])
        case .enter: return submit()
        case .tab: return completeWord(complete)
        case .backspace: return deleteBackward()
        case .delete: return deleteForward()
        case .left, .right, .home, .end, .wordLeft, .wordRight: move(key)
        case .up: return showHistory(historyPosition - 1)
        case .down: return showHistory(historyPosition + 1)
        case .interrupt:
            reset()
            return .interrupted
        case .endOfFile:
            return characters.isEmpty ? .endOfInput : deleteForward()
        case .killToEnd: characters.removeSubrange(cursor...)
        case .killToStart:
            characters.removeSubrange(..<cursor)
            cursor = 0
        case .deleteWordBackward: deleteWordBackward()
        case .clearScreen: return .clearScreen
        }
        return .redraw
    }

    private mutating func insert(_ inserted: [Character]) {
        characters.insert(contentsOf: inserted, at: cursor)
        cursor += inserted.count
    }

    private mutating func submit() -> Event {
        let line = text
        let remembered = String(characters.reversed().drop(while: \.isWhitespace).reversed())
        if !remembered.isEmpty && history.last != remembered {
            history.append(remembered)
            if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        }
        reset()
        return .submit(line)
    }

    private mutating func reset() {
        characters = []
        cursor = 0
        draft = []
        historyPosition = history.count
    }

    private mutating func deleteBackward() -> Event {
        guard cursor > 0 else { return .bell }
        characters.remove(at: cursor - 1)
        cursor -= 1
        return .redraw
    }

    private mutating func deleteForward() -> Event {
        guard cursor < characters.count else { return .bell }
        characters.remove(at: cursor)
        return .redraw
    }

    private mutating func deleteWordBackward() {
        let start = wordStart(before: cursor)
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    private mutating func move(_ key: TerminalKey) {
        switch key {
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(characters.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = characters.count
        case .wordLeft: cursor = wordStart(before: cursor)
        case .wordRight: cursor = wordEnd(after: cursor)
        default: break
        }
    }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, characters[index - 1] == " " { index -= 1 }
        while index > 0, characters[index - 1] != " " { index -= 1 }
        return index
    }

    private func wordEnd(after position: Int) -> Int {
        var index = position
        while index < characters.count, characters[index] == " " { index += 1 }
        while index < characters.count, characters[index] != " " { index += 1 }
        return index
    }

    private mutating func showHistory(_ position: Int) -> Event {
        guard position >= 0, position <= history.count, position != historyPosition else { return .bell }
        if historyPosition == history.count { draft = characters }
        historyPosition = position
        characters = position == history.count ? draft : Array(history[position])
        cursor = characters.count
        return .redraw
    }

    private mutating func completeWord(_ complete: (String) -> HMPCompletion) -> Event {
        let completion = complete(String(characters[..<cursor]))
        guard !completion.candidates.isEmpty else { return .bell }
        if completion.candidates.count == 1 {
            insert(Array(completion.candidates[0].dropFirst(completion.word.count)) + [" "])
            return .redraw
        }
        let prefix = completion.commonPrefix
        guard prefix.count > completion.word.count else { return .showCandidates(completion.candidates) }
        insert(Array(prefix.dropFirst(completion.word.count)))
        return .redraw
    }
}
