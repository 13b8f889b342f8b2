/// Rewrites integer literals above `Int64.max` into marked strings so that libjansson (whose integers are
/// int64) can parse the text; ``JanssonBridge`` turns the marked strings back into `.uint` values.
enum BigIntegerRewriter {
    /// Returns `text` with every non-negative integer literal (outside strings) that exceeds `Int64.max` but
    /// fits in `UInt64` replaced by `"<marker>DIGITS"`. Other literals, including negative ones and ones that
    /// overflow uint64, are left for jansson to reject.
    static func rewrite(_ text: ArraySlice<UInt8>, marker: BigIntegerMarker) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + 64)
        var inString = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if inString {
                output.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
                output.append(byte)
                index += 1
                continue
            }
            if isDigit(byte) && !(index > text.startIndex && isNumberByte(text[index - 1])) {
                var end = index
                while end < text.endIndex, isNumberByte(text[end]) { end += 1 }
                let literal = text[index..<end]
                if literal.allSatisfy(isDigit), let number = UInt64(String(decoding: literal, as: UTF8.self)),
                    number > UInt64(Int64.max)
                {
                    output.append(UInt8(ascii: "\""))
                    output.append(contentsOf: marker.escapedPrefix)
                    output.append(contentsOf: literal)
                    output.append(UInt8(ascii: "\""))
                } else {
                    output.append(contentsOf: literal)
                }
                index = end
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// A byte that can be part of a JSON number literal.
    static func isNumberByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}
