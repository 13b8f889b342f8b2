import CJansson

/// Conversion between jansson trees and ``JSONValue``.
///
/// jansson's integer is `int64`; integers above `Int64.max` travel through jansson as strings that carry a
/// private marker (see ``BigIntegerMarker``), so no precision is lost in either direction.
enum JanssonBridge {
    /// Builds a ``JSONValue`` from a jansson tree; `depth` is the nesting level of `node`.
    /// Throws when the nesting exceeds `maxDepth`.
    static func value(
        from node: UnsafeMutablePointer<json_t>, marker: BigIntegerMarker?, depth: Int = 1, maxDepth: Int
    ) throws(JSONParseError) -> JSONValue {
        switch node.pointee.type {
        case JSON_OBJECT:
            if depth > maxDepth { throw .nestingTooDeep }
            var members = JSONObject(minimumCapacity: json_object_size(node))
            var iterator = json_object_iter(node)
            while let entry = iterator {
                let keyPointer = json_object_iter_key(entry)!
                let keyLength = json_object_iter_key_len(entry)
                let key = keyPointer.withMemoryRebound(to: UInt8.self, capacity: keyLength) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: keyLength), as: UTF8.self)
                }
                members[key] = try value(
                    from: json_object_iter_value(entry)!, marker: marker, depth: depth + 1, maxDepth: maxDepth)
                iterator = json_object_iter_next(node, entry)
            }
            return .object(members)
        case JSON_ARRAY:
            if depth > maxDepth { throw .nestingTooDeep }
            let count = json_array_size(node)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(
                    try value(from: json_array_get(node, index)!, marker: marker, depth: depth + 1, maxDepth: maxDepth))
            }
            return .array(elements)
        case JSON_STRING:
            let text = string(of: node)
            if let marker, let big = marker.decode(text) { return .uint(big) }
            return .string(text)
        case JSON_INTEGER:
            return .int(json_integer_value(node))
        case JSON_REAL:
            return .double(json_real_value(node))
        case JSON_TRUE:
            return .bool(true)
        case JSON_FALSE:
            return .bool(false)
        default:
            return .null
        }
    }

    /// Builds a new jansson tree (reference owned by the caller) from a ``JSONValue``.
    /// Sets `sawBigInteger` when a `.uint` had to be carried as a marked string.
    static func node(from value: JSONValue, marker: BigIntegerMarker, sawBigInteger: inout Bool)
        -> UnsafeMutablePointer<json_t>
    {
        switch value {
        case .null:
            return json_null()
        case .bool(let flag):
            return flag ? json_true() : json_false()
        case .int(let number):
            return json_integer(number)
        case .uint(let number):
            sawBigInteger = true
            return makeString(marker.encode(number))
        case .double(let number):
            return json_real(number.isFinite ? number : 0)
        case .string(let text):
            return makeString(text)
        case .array(let elements):
            let array = json_array()!
            for element in elements {
                json_array_append_new(array, node(from: element, marker: marker, sawBigInteger: &sawBigInteger))
            }
            return array
        case .object(let members):
            let object = json_object()!
            for (key, member) in members {
                let child = node(from: member, marker: marker, sawBigInteger: &sawBigInteger)
                var key = key
                key.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        if let base = $0.baseAddress {
                            _ = json_object_setn_new_nocheck(object, base, $0.count, child)
                        } else {
                            _ = json_object_setn_new_nocheck(object, "", 0, child)
                        }
                    }
                }
            }
            return object
        }
    }

    private static func string(of node: UnsafeMutablePointer<json_t>) -> String {
        let length = json_string_length(node)
        guard length > 0, let pointer = json_string_value(node) else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    private static func makeString(_ text: String) -> UnsafeMutablePointer<json_t> {
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                guard let base = $0.baseAddress else { return json_stringn_nocheck("", 0)! }
                return json_stringn_nocheck(base, $0.count)!
            }
        }
    }
}

/// A private string form for integers above `Int64.max`, which jansson cannot hold as integers.
///
/// The marker starts with a NUL character and a per-process random nonce, so text from a peer cannot
/// be mistaken for it unless it guesses the nonce.
struct BigIntegerMarker: Sendable {
    let prefix: String

    /// The process-wide marker.
    static let shared = BigIntegerMarker()

    private init() {
        var generator = SystemRandomNumberGenerator()
        prefix = "\u{0}vmig-u64-\(String(generator.next(), radix: 36)):"
    }

    func encode(_ number: UInt64) -> String { prefix + String(number) }

    func decode(_ text: String) -> UInt64? {
        guard text.hasPrefix(prefix) else { return nil }
        return UInt64(text.dropFirst(prefix.count))
    }

    /// The bytes of the marked string as jansson escapes it in JSON text (NUL becomes `\u0000`).
    var escapedPrefix: [UInt8] { Array("\\u0000".utf8) + Array(prefix.utf8.dropFirst()) }
}
