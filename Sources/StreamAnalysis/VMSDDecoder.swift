import JSON

/// Decodes a section's payload field by field from its VMSD description in the vmdesc trailer, as QEMU's
/// analyze-migration.py does: integers, booleans, capabilities, nested structs, arrays (`array_len`) and
/// subsections (`0x05`, name, be32 version, then the subsection's own fields). Buffers come out as hex text (the
/// first 256 bytes of larger ones). A hostile description is bounded: 64 levels of nesting, 1 Mi fields per section.
struct VMSDDecoder {
    static let maxDepth = 64
    static let maxFields = 1 << 20
    static let shownBufferBytes = 256

    private var cursor: ByteCursor
    private var fields = 0

    init(cursor: ByteCursor) {
        self.cursor = cursor
    }

    /// Where decoding stopped.
    var offset: Int { cursor.offset }

    /// Decodes one VMSD (`fields`, then `subsections`) into an ordered object.
    mutating func decode(_ description: JSONValue, depth: Int = 0) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw cursor.error("vmdesc: nesting deeper than \(Self.maxDepth) levels") }
        var result = JSONObject()
        for field in description["fields"]?.arrayValue ?? [] {
            let name = field["name"]?.stringValue ?? "?"
            let count = try arrayLength(field)
            var values: [JSONValue] = []
            for _ in 0..<count {
                values.append(try decodeField(field, name: name, depth: depth))
            }
            let value: JSONValue = field["array_len"] == nil ? values.first ?? .null : .array(values)
            result[name] = Self.merged(result[name], value)
        }
        for subsection in description["subsections"]?.arrayValue ?? [] {
            let (name, value) = try decodeSubsection(subsection, depth: depth)
            result[name] = value
        }
        return .object(result)
    }

    private func arrayLength(_ field: JSONValue) throws -> Int {
        guard let length = field["array_len"] else { return 1 }
        guard let count = length.uint64Value, count <= UInt64(Self.maxFields) else {
            throw cursor.error("vmdesc: field '\(field["name"]?.stringValue ?? "?")' has an invalid array_len \(length)")
        }
        return Int(count)
    }

    /// QEMU splits arrays with NULL pointers into several entries of one name: keep them all, as the script does.
    private static func merged(_ old: JSONValue?, _ new: JSONValue) -> JSONValue {
        guard let old else { return new }
        if case .array(var items) = old {
            items.append(new)
            return .array(items)
        }
        return .array([old, new])
    }

    private mutating func decodeSubsection(_ subsection: JSONValue, depth: Int) throws -> (String, JSONValue) {
        let expected = subsection["vmsd_name"]?.stringValue ?? "?"
        let start = cursor.offset
        let type = try cursor.u8("subsection \(expected)")
        guard type == 0x05 else {
            throw cursor.error("expected subsection \(expected) (0x05), found \(hex(type))", at: start)
        }
        let name = try cursor.string8("subsection name")
        let version = try cursor.be32("subsection \(name) version")
        var decoded = try decode(subsection, depth: depth + 1)
        if case .object(var members) = decoded {
            members.updateValue(.integer(version), forKey: "__version__", insertingAt: 0)
            decoded = .object(members)
        }
        return (name, decoded)
    }

    private mutating func decodeField(_ field: JSONValue, name: String, depth: Int) throws -> JSONValue {
        fields += 1
        guard fields <= Self.maxFields else { throw cursor.error("vmdesc: more than \(Self.maxFields) fields in one section") }
        let type = field["type"]?.stringValue ?? "unknown"
        if type == "struct", let inner = field["struct"] {
            return try decode(inner, depth: depth + 1)
        }
        if type == "capability" {
            return .string(try cursor.string8("capability \(name)"))
        }
        guard let rawSize = field["size"]?.uint64Value, rawSize <= UInt64(Int32.max) else {
            throw cursor.error("vmdesc: field '\(name)' has no valid size")
        }
        let bytes = try cursor.bytes(Int(rawSize), "field \(name) (\(type), \(rawSize) bytes)")
        return Self.value(of: bytes, type: type)
    }

    /// A field's value by its VMSD type name.
    static func value(of bytes: UnsafeRawBufferPointer, type: String) -> JSONValue {
        let integer = bytes.count <= 8
        switch type {
        case "bool":
            return .bool(bytes.first.map { $0 != 0 } ?? false)
        case "nullptr":
            return .string(bytes.elementsEqual([UInt8(ascii: "0")]) ? "nullptr" : hexText(bytes))
        case _ where integer && signedTypes.contains(type):
            return .int(signed(bigEndian(bytes), width: bytes.count))
        case "int32 le" where integer:
            return .int(signed(bigEndian(bytes.reversed()), width: bytes.count))
        case _ where integer && unsignedTypes.contains(type):
            return .uint(bigEndian(bytes))
        default:
            return .string(hexText(bytes))
        }
    }

    private static let signedTypes: Set = ["int8", "int16", "int32", "int64", "int32 equal", "int64 equal"]
    private static let unsignedTypes: Set = ["uint8", "uint16", "uint32", "uint64", "uint32 equal", "uint8 equal",
                                             "uint16 equal"]

    private static func bigEndian<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func signed(_ value: UInt64, width: Int) -> Int64 {
        guard width > 0, width < 8 else { return Int64(bitPattern: value) }
        let shift = UInt64(64 - 8 * width)
        return Int64(bitPattern: value << shift) >> Int64(shift)
    }

    /// Space-separated hex bytes, as the script prints buffers; long buffers are cut.
    static func hexText(_ bytes: UnsafeRawBufferPointer) -> String {
        let shown = bytes.prefix(shownBufferBytes).map { byte -> String in
            byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined(separator: " ")
        return bytes.count > shownBufferBytes ? shown + " … (\(bytes.count) bytes)" : shown
    }
}
