import Testing

@testable import JSON
import VMigTesting

enum RandomJSON {
    static let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "é", "☕", "🎉", "\u{1}", "{", "]"]

    static func value(depth: Int, using rng: inout SeededGenerator) -> JSONValue {
        let pick = depth > 3 ? Int.random(in: 0..<6, using: &rng) : Int.random(in: 0..<8, using: &rng)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .integer(UInt64.random(in: 0...UInt64.max, using: &rng))
        case 4: return .double(Double(Int32.random(in: Int32.min...Int32.max, using: &rng)) / 1024)
        case 5: return .string(String((0..<Int.random(in: 0..<12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        case 6: return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in value(depth: depth + 1, using: &rng) })
        default:
            var object = JSONObject()
            for index in 0..<Int.random(in: 0..<5, using: &rng) {
                object["k\(index)\(alphabet.randomElement(using: &rng)!)"] = value(depth: depth + 1, using: &rng)
            }
            return .object(object)
        }
    }
}

@Suite("JSON round trips")
struct JSONRoundTripTests {
    @Test(arguments: [JSONWriter.Style.compact, .spaced])
    func generatedValuesRoundTrip(style: JSONWriter.Style) {
        var rng = SeededGenerator(state: 42)
        for _ in 0..<2000 {
            let original = JSONValue.array([RandomJSON.value(depth: 0, using: &rng)])
            let text = JSONWriter.encode(original, style: style)
            #expect(!text.contains(UInt8(ascii: "\n")))
            var decoder = JSONStreamDecoder()
            decoder.feed(text)
            decoder.finish()
            let items = decoder.drain()
            #expect(items == [.value(original)], "\(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test func spacedStyleMatchesQEMUOutput() {
        let reply: JSONValue = ["return": ["qemu": ["micro": 0, "minor": 0, "major": 10], "package": ""], "id": "v1"]
        #expect(JSONWriter.string(reply, style: .spaced) == #"{"return": {"qemu": {"micro": 0, "minor": 0, "major": 10}, "package": ""}, "id": "v1"}"#)
        #expect(JSONWriter.string(reply, style: .compact) == #"{"return":{"qemu":{"micro":0,"minor":0,"major":10},"package":""},"id":"v1"}"#)
    }

    @Test func emptyContainersAndStrings() {
        #expect(JSONWriter.string(["a": [], "b": .emptyObject, "": ""]) == #"{"a":[],"b":{},"":""}"#)
    }
}
