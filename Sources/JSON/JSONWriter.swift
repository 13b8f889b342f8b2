import CJansson

/// Turns ``JSONValue``s into one-line JSON text with libjansson.
package enum JSONWriter {
    /// How separators are written.
    package enum Style: Sendable {
        /// No whitespace at all: `{"a":1,"b":[2,3]}`.
        case compact
        /// QEMU's QMP output style, one space after `,` and `:`: `{"a": 1, "b": [2, 3]}`.
        case spaced
    }

    /// Encodes `value` as one line of UTF-8 JSON text (never containing a newline).
    package static func encode(_ value: JSONValue, style: Style = .compact) -> [UInt8] {
        var bytes: [UInt8] = []
        append(value, style: style, to: &bytes)
        return bytes
    }

    /// Encodes `value` and returns the text as a `String`.
    package static func string(_ value: JSONValue, style: Style = .compact) -> String {
        String(decoding: encode(value, style: style), as: UTF8.self)
    }

    /// Appends the encoding of `value` to `bytes`.
    package static func append(_ value: JSONValue, style: Style = .compact, to bytes: inout [UInt8]) {
        let marker = BigIntegerMarker.shared
        var sawBigInteger = false
        var flags = Int(JSON_ENCODE_ANY)
        if style == .compact { flags |= Int(JSON_COMPACT) }
        let start = bytes.count
        JanssonArena.scope {
            let root = JanssonBridge.node(from: value, marker: marker, sawBigInteger: &sawBigInteger)
            dump(root, flags: flags, to: &bytes)
            JanssonArena.release(root)
        }
        if sawBigInteger { unmarkBigIntegers(in: &bytes, from: start, marker: marker) }
    }

    /// Bytes of the stack scratch buffer one dump tries first; Swift keeps temporary allocations up to 1 KiB on
    /// the stack (a larger one would be a heap allocation per message).
    private static let scratchBytes = 1024

    /// Appends jansson's text for `root`: one pass into a stack buffer for the common small message, a second,
    /// exact-size pass straight into `bytes` otherwise.
    private static func dump(_ root: UnsafeMutablePointer<json_t>, flags: Int, to bytes: inout [UInt8]) {
        let fitted = withUnsafeTemporaryAllocation(of: CChar.self, capacity: scratchBytes) { scratch -> Bool in
            let needed = json_dumpb(root, scratch.baseAddress, scratch.count, flags)
            guard needed <= scratch.count else { return false }
            scratch.withMemoryRebound(to: UInt8.self) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0.prefix(needed)))
            }
            return true
        }
        guard !fitted else { return }
        let start = bytes.count
        let needed = json_dumpb(root, nil, 0, flags)
        bytes.append(contentsOf: repeatElement(0, count: needed))
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                _ = json_dumpb(root, $0.baseAddress! + start, needed, flags)
            }
        }
    }

    /// Replaces every `"<marker>DIGITS"` string in `bytes[from...]` by the bare `DIGITS`.
    private static func unmarkBigIntegers(in bytes: inout [UInt8], from start: Int, marker: BigIntegerMarker) {
        let pattern = [UInt8(ascii: "\"")] + marker.escapedPrefix
        var output: [UInt8] = Array(bytes[..<start])
        output.reserveCapacity(bytes.count)
        var index = start
        while index < bytes.count {
            if bytes[index] == pattern[0], bytes.count - index >= pattern.count,
                bytes[index..<(index + pattern.count)].elementsEqual(pattern)
            {
                index += pattern.count
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    output.append(bytes[index])
                    index += 1
                }
                index += 1
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        bytes = output
    }
}
