import HMP
@testable import vmig
import Testing

@Suite("Line editing: keys, history, completion")
struct LineEditorTests {
    private func type(_ keys: [TerminalKey], into editor: inout LineEditor) -> [LineEditor.Event] {
        keys.map { editor.handle($0, complete: HMPCompleter.complete) }
    }

    private func characters(_ text: String) -> [TerminalKey] { text.map { .character($0) } }

    @Test func typingAndMoving() {
        var editor = LineEditor()
        _ = type(characters("info stats") + [.left, .character("u")], into: &editor)
        #expect(editor.text == "info status")
        #expect(editor.cursor == 10)
        _ = type([.home, .delete, .character("I"), .end, .backspace], into: &editor)
        #expect(editor.text == "Info statu")
        _ = type([.wordLeft, .killToEnd], into: &editor)
        #expect(editor.text == "Info ")
        _ = type([.deleteWordBackward], into: &editor)
        #expect(editor.text == "")
        #expect(type([.backspace], into: &editor) == [.bell])
    }

    @Test func submitAndHistory() {
        var editor = LineEditor()
        #expect(type(characters("info status ") + [.enter], into: &editor).last == .submit("info status "))
        _ = type(characters("stop") + [.enter], into: &editor)
        _ = type(characters("stop") + [.enter], into: &editor)
        #expect(editor.history == ["info status", "stop"])
        _ = type(characters("draft") + [.up], into: &editor)
        #expect(editor.text == "stop")
        _ = type([.up], into: &editor)
        #expect(editor.text == "info status")
        #expect(type([.up], into: &editor) == [.bell])
        _ = type([.down, .down], into: &editor)
        #expect(editor.text == "draft")
    }

    @Test func historyIsBounded() {
        var editor = LineEditor(history: ["a", "b", "c"], historyLimit: 3)
        _ = type(characters("d") + [.enter], into: &editor)
        #expect(editor.history == ["b", "c", "d"])
    }

    @Test func tabCompletion() {
        var editor = LineEditor()
        _ = type(characters("inf") + [.tab], into: &editor)
        #expect(editor.text == "info ")
        _ = type(characters("migrate_c") + [.tab], into: &editor)
        #expect(editor.text == "info migrate_capabilities ")
        var second = LineEditor()
        _ = type(characters("info m") + [.tab], into: &second)
        #expect(second.text == "info migrate")
        #expect(type([.tab], into: &second) == [.showCandidates(["migrate", "migrate_capabilities", "migrate_parameters"])])
        #expect(type(characters(" zz") + [.tab], into: &second).last == .bell)
    }

    @Test func controlKeys() {
        var editor = LineEditor()
        #expect(type([.endOfFile], into: &editor) == [.endOfInput])
        _ = type(characters("abc") + [.home], into: &editor)
        #expect(type([.endOfFile], into: &editor) == [.redraw])
        #expect(editor.text == "bc")
        #expect(type([.interrupt], into: &editor) == [.interrupted])
        #expect(editor.text == "")
        #expect(type([.clearScreen], into: &editor) == [.clearScreen])
    }
}
