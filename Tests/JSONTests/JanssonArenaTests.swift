import Dispatch
import Testing

@testable import JSON
import VMigTesting

/// The per-thread arena jansson allocates from (see `JanssonArena`): values too big for it, several threads at
/// once, and object keys that jansson sees as distinct but Swift compares as equal.
@Suite("jansson arena")
struct JanssonArenaTests {
    private func roundTrip(_ value: JSONValue) -> [JSONStreamDecoder.Item] {
        var decoder = JSONStreamDecoder()
        decoder.feed(JSONWriter.encode(value))
        decoder.finish()
        return decoder.drain()
    }

    @Test func valuesLargerThanTheArenaRoundTrip() {
        var members = JSONObject()
        for index in 0..<5000 {
            members["member-\(index)"] = ["text": .string(String(repeating: "x", count: index % 40)), "n": .integer(index)]
        }
        let large = JSONValue.object(members)
        #expect(roundTrip(large) == [.value(large)])
        let small: JSONValue = ["execute": "query-migrate", "id": 1]
        #expect(roundTrip(small) == [.value(small)])
        #expect(roundTrip(large) == [.value(large)])
    }

    @Test func threadsDecodeAndEncodeConcurrently() {
        let failures = DispatchQueue.concurrentPerform(threads: 8) { thread in
            var rng = SeededGenerator(state: UInt64(thread))
            var failed = 0
            for _ in 0..<300 {
                let value = JSONValue.array([RandomJSON.value(depth: 0, using: &rng)])
                if roundTrip(value) != [.value(value)] { failed += 1 }
            }
            return failed
        }
        #expect(failures == 0)
    }

    @Test func canonicallyEquivalentKeysKeepTheFirstPositionAndTheLastValue() {
        var decoder = JSONStreamDecoder()
        decoder.feed(Array("{\"caf\u{E9}\":1,\"x\":0,\"cafe\u{301}\":2}".utf8))
        let items = decoder.drain()
        #expect(items == [.value(["caf\u{E9}": 2, "x": 0])])
        guard case .value(let value) = items.first else { return }
        #expect(value.objectValue.map { Array($0.keys) } == ["caf\u{E9}", "x"])
    }
}

extension DispatchQueue {
    /// Runs `body` on `threads` threads at once and sums what they return.
    fileprivate static func concurrentPerform(threads: Int, _ body: @Sendable (Int) -> Int) -> Int {
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = results
        concurrentPerform(iterations: threads) { shared[$0] = body($0) }
        return results.reduce(0, +)
    }
}
