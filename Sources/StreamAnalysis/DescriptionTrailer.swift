import JSON
import Migration

/// The `QEMU_VM_VMDESCRIPTION` trailer of a main stream (`0x06`, be32 length, JSON), found before the stream is
/// parsed because sections described only by it can only be walked with it.
struct DescriptionTrailer {
    /// Offset of its `0x06` byte.
    let offset: Int
    /// Length of the JSON text.
    let length: Int
    /// The parsed JSON.
    let json: JSONValue

    /// How far from the end of the file the trailer is looked for (QEMU's script reads the last 10 MB).
    static let searchWindow = 16 << 20

    /// The trailer that ends `file`: the last offset p with a `0x06` byte, a be32 equal to the bytes after it and
    /// a `{` right there. Nil when there is none; an error when it is there but its JSON does not parse.
    static func locate(in file: MappedFile) throws -> DescriptionTrailer? {
        guard let base = file.base, file.size > 6 else { return nil }
        let lowest = max(0, file.size - searchWindow)
        var position = file.size - 6
        while position >= lowest {
            if base.load(fromByteOffset: position, as: UInt8.self) == StreamRecord.vmDescription.rawValue,
               base.load(fromByteOffset: position + 5, as: UInt8.self) == UInt8(ascii: "{"),
               Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: position + 1, as: UInt32.self)))
                == file.size - position - 5 {
                return try parse(file, at: position)
            }
            position -= 1
        }
        return nil
    }

    private static func parse(_ file: MappedFile, at position: Int) throws -> DescriptionTrailer {
        let length = file.size - position - 5
        var decoder = JSONStreamDecoder()
        decoder.feed(UnsafeRawBufferPointer(start: file.base! + position + 5, count: length))
        decoder.finish()
        switch decoder.next() {
        case .value(let value)?:
            guard value.objectValue != nil else { break }
            return DescriptionTrailer(offset: position, length: length, json: value)
        case .error(let error)?:
            throw AnalysisError(file: file.path, offset: position + 5, message: "vmdesc trailer: expected JSON: \(error)")
        case nil:
            break
        }
        throw AnalysisError(file: file.path, offset: position + 5, message: "vmdesc trailer: expected a JSON object")
    }

    /// `page_size`, when given.
    var pageSize: Int? {
        json["page_size"]?.uint64Value.map { Int(clamping: $0) }
    }

    /// Whether `size` can be a target page size: a power of two from 512 bytes to 1 MiB.
    static func isValidPageSize(_ size: Int) -> Bool {
        size >= 512 && size <= 1 << 20 && size.nonzeroBitCount == 1
    }

    /// The `configuration` description, when given.
    var configuration: JSONValue? {
        json["configuration"]
    }

    /// The description of section `idstr`/`instance`, when given.
    func device(_ idstr: String, instance: UInt32) -> JSONValue? {
        json["devices"]?.arrayValue?.first {
            $0["name"]?.stringValue == idstr && $0["instance_id"]?.uint64Value == UInt64(instance)
        }
    }

    /// The payload size of an old-style section (QEMU's `vmstate_save_old_style`: `size` and one `data` buffer).
    static func oldStyleSize(_ description: JSONValue) -> Int? {
        guard description["vmsd_name"] == nil, let size = description["size"]?.uint64Value, size <= UInt64(Int32.max) else {
            return nil
        }
        return Int(size)
    }
}
