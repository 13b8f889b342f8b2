/// Turns the bytes a terminal in raw mode sends into ``TerminalKey``s: control characters, escape sequences
/// (arrows, Home/End/Delete in their xterm and VT forms, Alt-b/f) and UTF-8 characters.
struct TerminalKeyDecoder: Sendable {
    private enum State: Sendable {
        case ground
        case escape
        /// `ESC [` and the parameter bytes so far.
        case controlSequence([UInt8])
        /// `ESC O`.
        case singleShift
    }

    private var state = State.ground
    private var pendingUTF8: [UInt8] = []

    /// A decoder in its initial state.
    init() {}

    /// Feeds one byte; returns a key when one is complete.
    mutating func feed(_ byte: UInt8) -> TerminalKey? {
        switch state {
        case .ground: return ground(byte)
        case .escape: return escape(byte)
        case .controlSequence(let parameters): return controlSequence(byte, parameters)
        case .singleShift:
            state = .ground
            return Self.finalKey(byte)
        }
    }

    private mutating func ground(_ byte: UInt8) -> TerminalKey? {
        if !pendingUTF8.isEmpty || byte >= 0x80 { return utf8(byte) }
        switch byte {
        case 0x1B:
            state = .escape
            return nil
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x01: return .home
        case 0x05: return .end
        case 0x02: return .left
        case 0x06: return .right
        case 0x10: return .up
        case 0x0E: return .down
        case 0x03: return .interrupt
        case 0x04: return .endOfFile
        case 0x0B: return .killToEnd
        case 0x15: return .killToStart
        case 0x17: return .deleteWordBackward
        case 0x0C: return .clearScreen
        case 0x20...0x7E: return .character(Character(Unicode.Scalar(byte)))
        default: return nil
        }
    }

    private mutating func escape(_ byte: UInt8) -> TerminalKey? {
        state = .ground
        switch byte {
        case UInt8(ascii: "["):
            state = .controlSequence([])
            return nil
        case UInt8(ascii: "O"):
            state = .singleShift
            return nil
        case UInt8(ascii: "b"): return .wordLeft
        case UInt8(ascii: "f"): return .wordRight
        default: return ground(byte)
        }
    }

    private mutating func controlSequence(_ byte: UInt8, _ parameters: [UInt8]) -> TerminalKey? {
        if (0x30...0x3F).contains(byte) {
            state = .controlSequence(parameters + [byte])
            return nil
        }
        state = .ground
        let text = String(decoding: parameters, as: UTF8.self)
        if byte == UInt8(ascii: "~") { return Self.tildeKey(text) }
        let key = Self.finalKey(byte)
        if text.hasSuffix(";5") || text.hasSuffix(";3") {
            if key == .left { return .wordLeft }
            if key == .right { return .wordRight }
        }
        return key
    }

    private static func finalKey(_ byte: UInt8) -> TerminalKey? {
        switch byte {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        default: return nil
        }
    }

    private static func tildeKey(_ parameters: String) -> TerminalKey? {
        switch parameters {
        case "1", "7": return .home
        case "4", "8": return .end
        case "3": return .delete
        default: return nil
        }
    }

    private mutating func utf8(_ byte: UInt8) -> TerminalKey? {
        pendingUTF8.append(byte)
        let expected = Self.sequenceLength(pendingUTF8[0])
        guard expected > 1 else {
            pendingUTF8.removeAll()
            return nil
        }
        guard pendingUTF8.count == expected else { return nil }
        defer { pendingUTF8.removeAll() }
        let text = String(decoding: pendingUTF8, as: UTF8.self)
        guard let character = text.first, text.count == 1, character != "\u{FFFD}" else { return nil }
        return .character(character)
    }

    private static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 1
        }
    }
}
