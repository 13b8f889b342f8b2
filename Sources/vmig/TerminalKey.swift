/// A key press a line editor understands, decoded from terminal input.
enum TerminalKey: Sendable, Equatable {
    /// A printable character to insert.
    case character(Character)
    case enter, tab, backspace, delete
    case left, right, home, end, wordLeft, wordRight
    /// Up and down: history.
    case up, down
    /// Ctrl-C.
    case interrupt
    /// Ctrl-D.
    case endOfFile
    /// Ctrl-K: delete to the end of the line.
    case killToEnd
    /// Ctrl-U: delete to the start of the line.
    case killToStart
    /// Ctrl-W: delete the word before the cursor.
    case deleteWordBackward
    /// Ctrl-L.
    case clearScreen
}
