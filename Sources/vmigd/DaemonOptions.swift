import Migration

/// Parsing of `-m` sizes, shared with the engine's rules (QEMU: a number with K/M/G/T, no suffix = MiB).
enum GuestMemoryOptions {
    static func parseSize(_ text: String) -> Int? {
        guard let bytes = GuestMemory.parseSize(text), bytes % GuestMemory.pageSize == 0 else { return nil }
        return bytes
    }

    /// Why `text` is not a usable `-m` size, or nil when it is.
    static func problem(with text: String) -> String? {
        if parseSize(text) != nil { return nil }
        if let bytes = GuestMemory.parseSize(text) {
            return "-m \(text): \(bytes) bytes is not a whole number of \(GuestMemory.pageSize / 1024) KiB pages"
        }
        if text.hasPrefix("-") || Int(text.filter(\.isNumber)) == 0 {
            return "-m \(text): guest RAM must be at least one \(GuestMemory.pageSize / 1024) KiB page"
        }
        return "-m \(text): expected a size like 512M or 2G (suffix K, M, G or T; no suffix: MiB)"
    }
}

/// A UUID in its usual text form, as bytes.
enum UUIDText {
    static func bytes(_ text: String) -> [UInt8]? {
        let hex = text.filter { $0 != "-" }
        guard text.count == 36, hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
