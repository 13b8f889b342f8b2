import Testing

@testable import JSON

@Suite("JSON stream decoder")
struct JSONStreamDecoderTests {
    private func decodeAll(_ text: String, chunk: Int = .max) -> [JSONStreamDecoder.Item] {
        var decoder = JSONStreamDecoder()
        var items: [JSONStreamDecoder.Item] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + chunk)
            decoder.feed(bytes[index..<end])
            items += decoder.drain()
            index = end
        }
        decoder.finish()
        items += decoder.drain()
        return items
    }

    @Test func splitsConcatenatedObjectsWithoutNewlines() {
        let items = decodeAll(#"{"execute":"query-status"}{"execute":"query-version","id":1}"#)
        #expect(items == [.value(["execute": "query-status"]), .value(["execute": "query-version", "id": 1])])
    }

    @Test func acceptsCRLFAndWhitespaceBetweenValues() {
        let items = decodeAll("  {\"a\":1}\r\n\r\n\t{\"b\":[true,false,null]}\r\n")
        #expect(items == [.value(["a": 1]), .value(["b": [true, false, nil]])])
    }

    @Test func keepsObjectKeyOrder() throws {
        let items = decodeAll(#"{"z":1,"a":2,"m":3}"#)
        guard case .value(let value) = items.first else { Issue.record("no value"); return }
        #expect(value.objectValue.map { Array($0.keys) } == ["z", "a", "m"])
    }

    @Test func everyPrefixOfAStreamNeedsMoreOrYieldsOnlyCompleteValues() {
        let messages = [
            #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 10}}, "capabilities": ["oob"]}}"#,
            #"{"execute":"migrate","arguments":{"uri":"unix:/tmp/é☕.sock"},"id":{"n":[1,-2.5e-3,true,false,null]}}"#,
            #"{"return": {"size": 18446744073709551615, "neg": -9223372036854775808}}"#,
            #"{"event": "STOP", "data": {"text": "\u00e9\"\\ 🎉"}, "timestamp": {"seconds": 1, "microseconds": 2}}"#,
        ]
        let stream = Array(messages.joined(separator: "\r\n").utf8)
        let expected = decodeAll(messages.joined())
        #expect(expected.count == messages.count)
        for cut in 0...stream.count {
            var decoder = JSONStreamDecoder()
            decoder.feed(stream[..<cut])
            var items = decoder.drain()
            for item in items {
                guard case .value = item else {
                    Issue.record("prefix of \(cut) bytes produced \(item)")
                    return
                }
            }
            decoder.feed(stream[cut...])
            items += decoder.drain()
            #expect(items == expected, "cut at \(cut)")
        }
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func byteChunksOfAnySizeGiveTheSameValues(chunk: Int) {
        let text = #"{"a":"☕é"}{"b":[1,2,{"c":"d"}]}"#
        #expect(decodeAll(text, chunk: chunk) == decodeAll(text))
    }

    @Test func uint64RangeRoundTripsWithoutPrecisionLoss() {
        let items = decodeAll(#"{"max":18446744073709551615,"big":9223372036854775808,"i":9223372036854775807,"min":-9223372036854775808}"#)
        #expect(items == [.value(["max": .uint(UInt64.max), "big": .uint(1 << 63), "i": .int(Int64.max), "min": .int(Int64.min)])])
        guard case .value(let value) = items.first else { return }
        #expect(JSONWriter.string(value) == #"{"max":18446744073709551615,"big":9223372036854775808,"i":9223372036854775807,"min":-9223372036854775808}"#)
    }

    @Test func integersBeyondUInt64AreRejected() {
        let items = decodeAll(#"{"a":18446744073709551616}"#)
        #expect(items.count == 1)
        if case .value = items.first { Issue.record("accepted an integer beyond uint64") }
    }

    @Test func bigIntegerMarkerCannotBeForgedFromInput() {
        let forged = #"{"s":"\u0000vmig-u64-x:5"}"#
        let items = decodeAll(forged)
        if case .value(let value) = items.first, case .uint = value["s"] {
            Issue.record("a string became an integer")
        }
    }

    @Test func parseErrorsUseQEMUTextsAndRecover() {
        let items = decodeAll("{\"execute\":}\r\nthis is not json\r\n[1,2]{\"ok\":1}")
        #expect(items == [
            .error(.syntax("expecting value")),
            .error(.syntax("invalid keyword 'this'")),
            .error(.syntax("invalid keyword 'is'")),
            .error(.syntax("invalid keyword 'not'")),
            .error(.syntax("invalid keyword 'json'")),
            .value([1, 2]),
            .value(["ok": 1]),
        ])
        #expect(JSONParseError.syntax("expecting value").description == "JSON parse error, expecting value")
    }

    @Test func strayClosingBracketIsOneError() {
        #expect(decodeAll("}{\"a\":1}") == [.error(.syntax("expecting value")), .value(["a": 1])])
    }

    @Test func bareScalarsAtTopLevelAreValues() {
        #expect(decodeAll("42 \"s\" true null") == [.value(42), .value("s"), .value(true), .value(nil)])
    }

    @Test func nestingDeeperThanTheCapIsRejectedAndSkipped() {
        let deep = String(repeating: "[", count: 1025) + String(repeating: "]", count: 1025)
        let ok = String(repeating: "[", count: 1024) + String(repeating: "]", count: 1024)
        let items = decodeAll(deep + ok + "{\"a\":1}")
        #expect(items.count == 3)
        #expect(items.first == .error(.nestingTooDeep))
        if case .error = items[1] { Issue.record("1024 levels must be accepted") }
        #expect(items.last == .value(["a": 1]))
        #expect(JSONParseError.nestingTooDeep.description == "JSON nesting depth limit exceeded")
    }

    @Test func anUnclosedDeepArrayFailsAtTheDepthLimitAndLaterLinesAreCommands() {
        // 100,000 unclosed brackets: one error as soon as the limit is crossed, not a value swallowing the rest.
        var decoder = JSONStreamDecoder()
        decoder.feed(Array(String(repeating: "[", count: 100_000).utf8))
        #expect(decoder.drain() == [.error(.nestingTooDeep)])
        #expect(decoder.bufferedByteCount < 4096)
        decoder.feed(Array("\n{\"execute\":\"query-status\"}\n".utf8))
        #expect(decoder.drain() == [.value(["execute": "query-status"])])
        // A too-deep value that does close on its line is one error too, and what follows it on the line counts.
        let deep = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
        #expect(decodeAll(deep + "{\"a\":1}") == [.error(.nestingTooDeep), .value(["a": 1])])
    }

    @Test func errorTextEchoesAtMostQEMUsMessageLength() {
        let word = String(repeating: "x", count: 5 << 20)
        let items = decodeAll(word + " {\"a\":1}")
        #expect(items.count == 2)
        guard case .error(let error) = items.first else { Issue.record("no error"); return }
        // QEMU formats the message into a 1024-byte buffer: "JSON parse error, " + at most 1023 bytes.
        #expect(error.description.utf8.count <= "JSON parse error, ".utf8.count + 1023)
        #expect(error.description.hasPrefix("JSON parse error, invalid keyword 'xxxx"))
        #expect(items.last == .value(["a": 1]))
    }

    @Test func controlCharactersInAnEchoedTokenAreShownAsHexSoTheReplyParsesAgain() {
        var decoder = JSONStreamDecoder()
        decoder.feed([0x00, 0x01, 0x41, 0x1B, 0x0A])
        let items = decoder.drain()
        #expect(items == [.error(.syntax("invalid keyword '\\x00\\x01A\\x1b'"))])
        guard case .error(let error) = items.first else { return }
        // The error reply a server sends for it is JSON its own decoder reads back (a NUL would be "\u0000").
        var replies = JSONStreamDecoder()
        replies.feed(JSONWriter.encode(["error": ["desc": .string(error.description)]]))
        #expect(replies.drain() == [.value(["error": ["desc": .string(error.description)]])])
    }

    @Test(arguments: [
        (#"{"s": "\u0000"}"#, #"\u0000 is not supported"#),
        (#"{"s": "\uDC00"}"#, #"\uDC00 is not a valid Unicode character"#),
        (#"{"s": "\q"}"#, "invalid escape sequence in string"),
        (#"{"n": 1e400}"#, "number '1e400' is out of range"),
        (#"{"n": -1e400}"#, "number '-1e400' is out of range"),
        (#"{"n": 99999999999999999999999}"#, "number '99999999999999999999999' is out of range"),
        (#"{"n": -99999999999999999999}"#, "number '-99999999999999999999' is out of range"),
    ])
    func eachBadTokenHasItsOwnQEMUStyleText(input: String, detail: String) {
        #expect(decodeAll(input + "[1]") == [.error(.syntax(detail)), .value([1])])
    }

    @Test func invalidUTF8InAStringHasQEMUsText() {
        var decoder = JSONStreamDecoder()
        decoder.feed(Array(#"{"s": "a"#.utf8) + [0xFF] + Array(#""}[1]"#.utf8))
        #expect(decoder.drain() == [.error(.syntax("invalid UTF-8 sequence in string")), .value([1])])
    }

    @Test func shortStringsRepeatedAcrossMessagesStayDistinct() {
        // One decoder, so its cache of short strings is warm: equal bytes give equal strings, and strings that
        // differ only in length, in their last byte or beyond 15 bytes never get mixed up.
        var words: [String] = [""]
        for length in 1...17 {
            words.append(String(repeating: "a", count: length))
            words.append(String(repeating: "a", count: length - 1) + "b")
            words.append(String(repeating: "é", count: (length + 1) / 2))
        }
        var decoder = JSONStreamDecoder()
        for round in 0..<3 {
            for (index, word) in words.enumerated() {
                let message: JSONValue = [word: .string(words[(index + round) % words.count]), "id": .integer(index)]
                decoder.feed(JSONWriter.encode(message))
                #expect(decoder.drain() == [.value(message)])
            }
        }
    }

    @Test func completeMessagesAtAndOverTheSizeCap() {
        // Whole messages in one feed: the cap counts bytes from the opening to the closing bracket.
        let atCap = "{\"a\":\"" + String(repeating: "x", count: 92) + "\"}"
        #expect(atCap.utf8.count == 100)
        var decoder = JSONStreamDecoder(limits: .init(maxMessageBytes: 100, maxDepth: 1024))
        decoder.feed(Array((atCap + " {\"a\":\"" + String(repeating: "x", count: 93) + "\"}{\"b\":2}").utf8))
        let items = decoder.drain()
        #expect(items.count == 3)
        #expect(items.first == .value(["a": .string(String(repeating: "x", count: 92))]))
        #expect(Array(items.dropFirst()) == [.error(.messageTooLarge), .value(["b": 2])])
    }

    @Test func oversizedMessageIsRejectedWithBoundedMemory() {
        var decoder = JSONStreamDecoder(limits: .init(maxMessageBytes: 1000, maxDepth: 1024))
        decoder.feed(Array("{\"a\":\"".utf8))
        var items: [JSONStreamDecoder.Item] = []
        for _ in 0..<100 {
            decoder.feed([UInt8](repeating: UInt8(ascii: "x"), count: 500))
            items += decoder.drain()
            #expect(decoder.bufferedByteCount <= 1500)
        }
        decoder.feed(Array("\"}{\"b\":2}".utf8))
        items += decoder.drain()
        #expect(items == [.error(.messageTooLarge), .value(["b": 2])])
    }
}
