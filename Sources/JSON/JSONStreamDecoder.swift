import CJansson

/// Splits a byte stream into top-level JSON values, as QEMU's JSON streamer does.
///
/// Bytes may arrive cut anywhere (inside a token, a string, or a multi-byte UTF-8 character); no newline is
/// required between values. An object or array that is already complete and valid is parsed by libjansson
/// straight from the buffer (jansson reports where it ended). Otherwise a small incremental scanner finds
/// where the top-level value ends (tracking strings, escapes and bracket depth, so each byte is looked at
/// once), then libjansson parses exactly that span. A malformed value yields one ``JSONParseError`` and
/// decoding resumes after it, so one bad message never poisons the ones that follow.
package struct JSONStreamDecoder: Sendable {
    /// Caps on one message.
    package struct Limits: Sendable {
        /// Largest accepted message, in bytes (QEMU: 64 MiB).
        package var maxMessageBytes: Int
        /// Deepest accepted nesting of objects and arrays (QEMU: 1024).
        package var maxDepth: Int

        /// Caps with QEMU's defaults unless given.
        package init(maxMessageBytes: Int = 64 << 20, maxDepth: Int = 1024) {
            self.maxMessageBytes = maxMessageBytes
            self.maxDepth = maxDepth
        }
    }

    /// What one step of decoding produced.
    package enum Item: Sendable, Equatable {
        case value(JSONValue)
        case error(JSONParseError)
    }

    /// The caps this decoder enforces.
    package let limits: Limits
    private var buffer: [UInt8] = []
    /// Index of the first byte not yet consumed.
    private var readIndex = 0
    /// Index of the next byte the scanner has not looked at.
    private var scanIndex = 0
    private var scan = ScanState()
    /// Short strings of recent messages, reused instead of rebuilt.
    private var strings = ShortStringCache()

    private struct ScanState: Sendable {
        var inValue = false
        var isStructure = false
        var depth = 0
        var inString = false
        var escaped = false
        var tooDeep = false
        /// After a value went too deep: its bytes are dropped until it closes or its line ends.
        var recovering = false
        var oversized = false
        var discarded = 0

        /// Scans `bytes[start...]` for the end of the current value (a structure, or a top-level string).
        /// Returns the index of the first byte not scanned and, when the value ended, the index just past it.
        /// Scanning stops early, with no end, as soon as the nesting goes deeper than `maxDepth` (`tooDeep`); while
        /// `recovering`, a line end outside strings ends the value as well.
        /// The loop keeps its state in locals, so the common bytes cost a compare or two each.
        mutating func advance(over bytes: UnsafeBufferPointer<UInt8>, from start: Int, maxDepth: Int) -> (Int, Int?) {
            var index = start
            var depth = self.depth
            var inString = self.inString
            var escaped = self.escaped
            var end: Int? = nil
            scanning: while index < bytes.count {
                if inString {
                    // Skip string contents up to the next quote or backslash.
                    while index < bytes.count {
                        let byte = bytes[index]
                        index += 1
                        if escaped {
                            escaped = false
                        } else if byte == UInt8(ascii: "\\") {
                            escaped = true
                        } else if byte == UInt8(ascii: "\"") {
                            inString = false
                            break
                        }
                    }
                    if !inString && !isStructure {
                        end = index
                        break scanning
                    }
                    continue
                }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth > maxDepth && !recovering {
                        tooDeep = true
                        break scanning
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        end = index
                        break scanning
                    }
                case UInt8(ascii: "\n") where recovering:
                    end = index
                    break scanning
                default:
                    break
                }
            }
            self.depth = depth
            self.inString = inString
            self.escaped = escaped
            return (index, end)
        }
    }

    /// An empty decoder with the given caps.
    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received but not yet returned as values.
    package var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes.
    package mutating func feed<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Tells the decoder the stream ended, so a trailing bare token (`42`, `true`) is complete.
    package mutating func finish() {
        buffer.append(UInt8(ascii: " "))
    }

    /// The next complete value or error, or nil when more bytes are needed.
    package mutating func next() -> Item? {
        if !scan.inValue {
            if let value = parseCompleteStructure() { return .value(value) }
            guard startValue() else { return nil }
        }
        if scan.isStructure || scan.inString {
            return scanStructure()
        }
        return scanBareToken()
    }

    /// Decodes everything currently buffered.
    package mutating func drain() -> [Item] {
        var items: [Item] = []
        while let item = next() { items.append(item) }
        return items
    }

    // MARK: - Scanning

    /// Moves `readIndex` past the whitespace between top-level values.
    private mutating func skipWhitespace() {
        while readIndex < buffer.count, Self.isWhitespace(buffer[readIndex]) { readIndex += 1 }
    }

    /// Skips whitespace and looks at the first byte of the next value. Returns false when the buffer is empty.
    private mutating func startValue() -> Bool {
        skipWhitespace()
        guard readIndex < buffer.count else {
            scanIndex = readIndex
            return false
        }
        scan = ScanState()
        scan.inValue = true
        scanIndex = readIndex + 1
        switch buffer[readIndex] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            scan.isStructure = true
            scan.depth = 1
        case UInt8(ascii: "\""):
            scan.inString = true
        default:
            scanIndex = readIndex
        }
        return true
    }

    private mutating func scanStructure() -> Item? {
        let maxDepth = limits.maxDepth
        var state = scan
        let (index, endIndex) = buffer.withUnsafeBufferPointer { bytes in
            state.advance(over: bytes, from: scanIndex, maxDepth: maxDepth)
        }
        scan = state
        scanIndex = index
        if scan.recovering {
            return skipTooDeepValue(end: endIndex)
        }
        if scan.tooDeep {
            // Fail now rather than when (if ever) the value closes, and drop what is held of it.
            scan.recovering = true
            buffer.removeSubrange(readIndex..<scanIndex)
            scanIndex = readIndex
            return .error(.nestingTooDeep)
        }
        guard let end = endIndex else {
            enforceSizeWhileIncomplete()
            return nil
        }
        return completeValue(end: end)
    }

    /// Drops the rest of a value already reported too deep: up to its end, or up to the end of its line, so that
    /// an unclosed one does not swallow the commands on the next lines.
    private mutating func skipTooDeepValue(end: Int?) -> Item? {
        guard let end else {
            buffer.removeSubrange(readIndex..<scanIndex)
            scanIndex = readIndex
            return nil
        }
        readIndex = end
        scanIndex = end
        scan = ScanState()
        return next()
    }

    /// A message that is still incomplete but already over the cap is dropped as it streams in, so memory
    /// stays bounded; its end is still tracked so decoding resumes after it.
    private mutating func enforceSizeWhileIncomplete() {
        let held = scanIndex - readIndex
        guard scan.discarded + held > limits.maxMessageBytes else { return }
        scan.oversized = true
        scan.discarded += held
        buffer.removeSubrange(readIndex..<scanIndex)
        scanIndex = readIndex
    }

    private mutating func completeValue(end: Int) -> Item {
        let start = readIndex
        readIndex = end
        let state = scan
        scan = ScanState()
        if state.oversized || state.discarded + (end - start) > limits.maxMessageBytes {
            return .error(.messageTooLarge)
        }
        return parse(start..<end)
    }

    /// A top-level token that is not an object, array or string: a number, `true`, `false`, `null`, or garbage.
    private mutating func scanBareToken() -> Item? {
        var index = scanIndex
        while index < buffer.count, !Self.isDelimiter(buffer[index]) { index += 1 }
        if index == buffer.count {
            scanIndex = index
            if index - readIndex > limits.maxMessageBytes {
                readIndex = index
                scan = ScanState()
                return .error(.messageTooLarge)
            }
            return nil
        }
        let start = readIndex
        scan = ScanState()
        if index == start {
            // A stray structural character at top level: `}`, `]`, `,` or `:`.
            readIndex = start + 1
            return .error(.syntax("expecting value"))
        }
        readIndex = index
        switch parse(start..<index) {
        case .value(let value):
            return .value(value)
        case .error:
            let word = JSONParseError.echo(buffer[start..<index])
            return .error(.syntax("invalid keyword '\(word)'"))
        }
    }

    // MARK: - Fast path: a whole object or array already buffered

    /// When the next value is an object or array that is already complete and valid, jansson parses it straight
    /// from the buffer and reports where it ended, so the scanner need not look at its bytes first. Anything
    /// else (an incomplete value, an error, a big integer, nesting over the cap) gives nil and the scanner takes
    /// over exactly as if this had not been tried; it then owns the value until it ends.
    private mutating func parseCompleteStructure() -> JSONValue? {
        skipWhitespace()
        guard readIndex < buffer.count, buffer[readIndex] == UInt8(ascii: "{") || buffer[readIndex] == UInt8(ascii: "[")
        else { return nil }
        // No more than the size cap: a longer value fails here and the scanner reports it.
        let span = readIndex..<min(buffer.count, readIndex + limits.maxMessageBytes)
        let maxDepth = limits.maxDepth
        let parsed = withStringCache { decoder, strings in
            decoder.buffer.withUnsafeBufferPointer { bytes in
                Self.loadPrefix(UnsafeBufferPointer(rebasing: bytes[span]), maxDepth: maxDepth, strings: &strings)
            }
        }
        guard let (value, length) = parsed else { return nil }
        readIndex += length
        scanIndex = readIndex
        return value
    }

    /// Parses the object or array at the start of `bytes` (more may follow it) and returns it with its length
    /// in bytes, or nil when jansson or the conversion fails.
    private static func loadPrefix(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, strings: inout ShortStringCache
    ) -> (JSONValue, Int)? {
        JanssonArena.scope {
            let flags = Int(JSON_DECODE_ANY) | Int(JSON_REJECT_DUPLICATES) | Int(JSON_DISABLE_EOF_CHECK)
            var error = json_error_t()
            let root = bytes.withMemoryRebound(to: CChar.self) { json_loadb($0.baseAddress, $0.count, flags, &error) }
            guard let root else { return nil }
            defer { JanssonArena.release(root) }
            // jansson stops right after the closing bracket and records how many bytes it read.
            let length = Int(error.position)
            guard length > 0, length <= bytes.count,
                bytes[length - 1] == UInt8(ascii: "}") || bytes[length - 1] == UInt8(ascii: "]"),
                let value = try? JanssonBridge.value(from: root, marker: nil, maxDepth: maxDepth, strings: &strings)
            else { return nil }
            return (value, length)
        }
    }

    // MARK: - Parsing one span with jansson

    /// Runs `body` with the string cache moved out of `self`, so the body may borrow `buffer` while it fills the
    /// cache; the cache is moved back in afterwards.
    private mutating func withStringCache<Result>(
        _ body: (inout JSONStreamDecoder, inout ShortStringCache) -> Result
    ) -> Result {
        var strings = ShortStringCache()
        swap(&strings, &self.strings)
        defer { swap(&strings, &self.strings) }
        return body(&self, &strings)
    }

    private mutating func parse(_ span: Range<Int>) -> Item {
        withStringCache { decoder, strings in decoder.parse(span, strings: &strings) }
    }

    private func parse(_ span: Range<Int>, strings: inout ShortStringCache) -> Item {
        let flags = Int(JSON_DECODE_ANY) | Int(JSON_REJECT_DUPLICATES)
        let first = buffer.withUnsafeBufferPointer { bytes in
            Self.load(
                UnsafeBufferPointer(rebasing: bytes[span]), flags: flags, marker: nil, maxDepth: limits.maxDepth,
                strings: &strings)
        }
        guard case .failure(let failure) = first, failure.integerOverflow else {
            return Self.item(first)
        }
        // An integer beyond int64: carry the big ones through jansson as marked strings.
        let marker = BigIntegerMarker.shared
        let rewritten = BigIntegerRewriter.rewrite(buffer[span], marker: marker)
        let second = rewritten.withUnsafeBufferPointer {
            Self.load(
                $0, flags: flags | Int(JSON_ALLOW_NUL), marker: marker, maxDepth: limits.maxDepth, strings: &strings)
        }
        return Self.item(second)
    }

    private struct LoadFailure: Error {
        var error: JSONParseError
        var integerOverflow: Bool
    }

    private static func item(_ result: Result<JSONValue, LoadFailure>) -> Item {
        switch result {
        case .success(let value): return .value(value)
        case .failure(let failure): return .error(failure.error)
        }
    }

    /// Parses `bytes` with jansson and converts the tree. A span is first parsed without an error record
    /// (jansson fills one in on every call); a failed parse is repeated with one to learn why.
    private static func load(
        _ bytes: UnsafeBufferPointer<UInt8>, flags: Int, marker: BigIntegerMarker?, maxDepth: Int,
        strings: inout ShortStringCache
    ) -> Result<JSONValue, LoadFailure> {
        JanssonArena.scope {
            let root = bytes.withMemoryRebound(to: CChar.self) { json_loadb($0.baseAddress, $0.count, flags, nil) }
            guard let root else { return .failure(failure(parsing: bytes, flags: flags)) }
            defer { JanssonArena.release(root) }
            return convert(root, marker: marker, maxDepth: maxDepth, strings: &strings)
        }
    }

    private static func convert(
        _ root: UnsafeMutablePointer<json_t>, marker: BigIntegerMarker?, maxDepth: Int,
        strings: inout ShortStringCache
    ) -> Result<JSONValue, LoadFailure> {
        do {
            return .success(try JanssonBridge.value(from: root, marker: marker, maxDepth: maxDepth, strings: &strings))
        } catch {
            return .failure(LoadFailure(error: error, integerOverflow: false))
        }
    }

    /// Why jansson rejects `bytes`, in QEMU's words; notes whether it was an integer beyond int64.
    private static func failure(parsing bytes: UnsafeBufferPointer<UInt8>, flags: Int) -> LoadFailure {
        var error = json_error_t()
        let root = bytes.withMemoryRebound(to: CChar.self) { json_loadb($0.baseAddress, $0.count, flags, &error) }
        if let root {
            // Cannot happen (the same bytes failed a moment ago); release it and report a generic error.
            JanssonArena.release(root)
            return LoadFailure(error: .syntax("expecting value"), integerOverflow: false)
        }
        let text = withUnsafeBytes(of: &error.text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let overflow = json_error_code(&error) == json_error_numeric_overflow && text.hasPrefix("too big integer")
        return LoadFailure(
            error: .fromJansson(text, number: numberLiteral(endingAt: Int(error.position), in: bytes)),
            integerOverflow: overflow)
    }

    /// The number literal that ends at `position` in `bytes` (jansson's position after a number it rejects), cut
    /// to what an error message shows.
    private static func numberLiteral(endingAt position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard position > 0, position <= bytes.count else { return nil }
        var start = position
        while start > 0, position - start <= JSONParseError.maxDetailBytes, BigIntegerRewriter.isNumberByte(bytes[start - 1]) {
            start -= 1
        }
        return start < position ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    // MARK: - Byte classes

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always)
    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "\""):
            return true
        default:
            return false
        }
    }
}
