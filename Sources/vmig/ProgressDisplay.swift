import POSIXSupport

/// Shows a block of progress lines: on a terminal redrawn in place (cut to the terminal's width), otherwise
/// printed again at most once a second so logs stay readable.
struct ProgressDisplay {
    private let isTerminal = Console.outputIsTerminal
    private var drawnLines = 0
    private var lastPrint = -Double.infinity

    /// Shows `lines`; `final` forces a non-terminal print.
    mutating func show(_ lines: [String], final: Bool) {
        if isTerminal {
            redraw(lines)
        } else if final || HostClock.monotonicSeconds - lastPrint >= 1 {
            lastPrint = HostClock.monotonicSeconds
            Console.out(lines.map { $0 + "\n" }.joined() + "\n")
        }
    }

    /// Prints a message below the block; the next ``show(_:final:)`` draws a fresh block under it.
    mutating func note(_ message: String) {
        Console.out(message + "\n")
        drawnLines = 0
    }

    private mutating func redraw(_ lines: [String]) {
        let width = max(20, Console.width - 1)
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A\r\u{1B}[J" : ""
        for line in lines { text += String(line.prefix(width)) + "\n" }
        Console.out(text)
        drawnLines = lines.count
    }
}
