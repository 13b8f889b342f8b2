import CJansson

/// Conversion between jansson trees and ``JSONValue``.
///
/// jansson's integer is `int64`; integers above `Int64.max` travel through jansson as strings that carry a
/// private marker (see ``BigIntegerMarker``), so no precision is lost in either direction.
enum JanssonBridge {
    /// Builds a ``JSONValue`` from a jansson tree; `depth` is the nesting level of `node`.
    /// Throws when the nesting exceeds `maxDepth`. Short keys and strings come from (and go to) `strings`.
    static func value(
        from node: UnsafeMutablePointer<json_t>, marker: BigIntegerMarker?, depth: Int = 1, maxDepth: Int,
        strings: inout ShortStringCache
    ) throws(JSONParseError) -> JSONValue {
        switch node.pointee.type {
        case JSON_OBJECT:
            if depth > maxDepth { throw .nestingTooDeep }
            return .object(try object(from: node, marker: marker, depth: depth, maxDepth: maxDepth, strings: &strings))
        case JSON_ARRAY:
            if depth > maxDepth { throw .nestingTooDeep }
            let count = json_array_size(node)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(
                    try value(
                        from: json_array_get(node, index)!, marker: marker, depth: depth + 1, maxDepth: maxDepth,
                        strings: &strings))
            }
            return .array(elements)
        case JSON_STRING:
            let text = string(of: node, strings: &strings)
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

    /// The members of the jansson object `node`, in jansson's (that is, the text's) order.
    ///
    /// jansson already rejected byte-identical duplicate keys, so ASCII keys are unique as Swift strings too and
    /// the dictionary is built without lookups. Non-ASCII keys can still be canonically equivalent Swift strings
    /// (`é` precomposed and decomposed); then the later value replaces the earlier one, at the earlier position.
    private static func object(
        from node: UnsafeMutablePointer<json_t>, marker: BigIntegerMarker?, depth: Int, maxDepth: Int,
        strings: inout ShortStringCache
    ) throws(JSONParseError) -> JSONObject {
        let count = json_object_size(node)
        var keys = ContiguousArray<String>()
        var values = ContiguousArray<JSONValue>()
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
        var keysAreASCII = true
        var iterator = json_object_iter(node)
        while let entry = iterator {
            let key = UnsafeRawBufferPointer(start: json_object_iter_key(entry), count: json_object_iter_key_len(entry))
            keysAreASCII = keysAreASCII && !key.contains(where: { $0 >= 0x80 })
            keys.append(strings.string(key))
            values.append(
                try value(
                    from: json_object_iter_value(entry)!, marker: marker, depth: depth + 1, maxDepth: maxDepth,
                    strings: &strings))
            iterator = json_object_iter_next(node, entry)
        }
        if keysAreASCII { return JSONObject(uncheckedUniqueKeys: keys, values: values) }
        return JSONObject(zip(keys, values), uniquingKeysWith: { _, last in last })
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
            return object(from: members, marker: marker, sawBigInteger: &sawBigInteger)
        }
    }

    /// A new jansson object with `members` in order. Keys and values are read in place (no per-member copies);
    /// Swift strings are valid UTF-8, so jansson's `_nocheck` setter skips its validation.
    private static func object(from members: JSONObject, marker: BigIntegerMarker, sawBigInteger: inout Bool)
        -> UnsafeMutablePointer<json_t>
    {
        let object = json_object()!
        members.keys.elements.withUnsafeBufferPointer { keys in
            members.values.elements.withUnsafeBufferPointer { values in
                for index in keys.indices {
                    let child = node(from: values[index], marker: marker, sawBigInteger: &sawBigInteger)
                    _ = withUTF8Pointer(keys[index]) { json_object_setn_new_nocheck(object, $0, $1, child) }
                }
            }
        }
        return object
    }

    /// Calls `body` with a pointer to `text`'s UTF-8 bytes and their count, without copying a native string.
    @inline(__always)
    private static func withUTF8Pointer<Result>(
        _ text: String, _ body: (UnsafePointer<CChar>, Int) -> Result
    ) -> Result {
        let direct = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.withMemoryRebound(to: CChar.self) { withBase($0, body) }
        }
        if let direct { return direct }
        var copy = text
        return copy.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { withBase($0, body) }
        }
    }

    /// `body(bytes.baseAddress, bytes.count)`, with a valid pointer even for an empty buffer.
    @inline(__always)
    private static func withBase<Result>(
        _ bytes: UnsafeBufferPointer<CChar>, _ body: (UnsafePointer<CChar>, Int) -> Result
    ) -> Result {
        if let base = bytes.baseAddress { return body(base, bytes.count) }
        var nul: CChar = 0
        return withUnsafePointer(to: &nul) { body($0, 0) }
    }

    private static func string(of node: UnsafeMutablePointer<json_t>, strings: inout ShortStringCache) -> String {
        strings.string(UnsafeRawBufferPointer(start: json_string_value(node), count: json_string_length(node)))
    }

    private static func makeString(_ text: String) -> UnsafeMutablePointer<json_t> {
        withUTF8Pointer(text) { json_stringn_nocheck($0, $1)! }
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
