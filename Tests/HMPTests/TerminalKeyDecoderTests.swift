@testable import vmig
import Testing

@Suite("Terminal input bytes to keys")
struct TerminalKeyDecoderTests {
    private func decode(_ bytes: [UInt8]) -> [TerminalKey] {
        var decoder = TerminalKeyDecoder()
        return bytes.compactMap { decoder.feed($0) }
    }

    @Test func printableAndControl() {
        #expect(decode(Array("ab ".utf8)) == [.character("a"), .character("b"), .character(" ")])
        #expect(decode([0x0D, 0x09, 0x7F, 0x03, 0x04, 0x01, 0x05, 0x0B, 0x15, 0x17, 0x0C]) == [
            .enter, .tab, .backspace, .interrupt, .endOfFile, .home, .end, .killToEnd, .killToStart,
            .deleteWordBackward, .clearScreen,
        ])
    }

    @Test func escapeSequences() {
        let esc: UInt8 = 0x1B
        #expect(decode([esc, 0x5B, 0x41, esc, 0x5B, 0x42, esc, 0x5B, 0x43, esc, 0x5B, 0x44]) == [.up, .down, .right, .left])
        #expect(decode([esc, 0x5B, 0x48, esc, 0x5B, 0x46, esc, 0x4F, 0x48, esc, 0x4F, 0x46]) == [.home, .end, .home, .end])
        #expect(decode([esc] + Array("[3~".utf8) + [esc] + Array("[1~".utf8) + [esc] + Array("[4~".utf8)) == [.delete, .home, .end])
        #expect(decode([esc] + Array("[1;5C".utf8) + [esc] + Array("[1;5D".utf8)) == [.wordRight, .wordLeft])
        #expect(decode([esc, UInt8(ascii: "b"), esc, UInt8(ascii: "f")]) == [.wordLeft, .wordRight])
    }

    @Test func utf8Characters() {
        #expect(decode(Array("é☕".utf8)) == [.character("é"), .character("☕")])
        #expect(decode([0xFF, UInt8(ascii: "a")]) == [.character("a")])
    }
}
