import ArgumentParser
import Machine
import Migration
import QEMUFormats

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

/// `--machine TYPE[,memory-backend=ID]` (QEMU's `-machine`): the machine type and the RAM block's name.
struct MachineSelection {
    var type: MachineType
    var ramBlockName: String?

    /// Parses the option, or says why it cannot (QEMU's texts where it has them).
    static func parse(_ text: String) throws -> MachineSelection {
        var selection = MachineSelection(type: .vmig)
        for (index, pair) in QEMUOptionList.pairs(text, impliedFirstKey: "type").enumerated() {
            switch pair.key {
            case "type" where index == 0:
                guard let type = MachineType(rawValue: pair.value) else {
                    throw ValidationError("unsupported machine type: \"\(pair.value)\" (vmigd has: "
                        + MachineType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                selection.type = type
            case "memory-backend":
                guard !pair.value.isEmpty, pair.value.utf8.count <= 255 else {
                    throw ValidationError("--machine: memory-backend must name a RAM block of 1 to 255 bytes")
                }
                selection.ramBlockName = pair.value
            default:
                throw ValidationError("--machine: Property '\(pair.key)' not found")
            }
        }
        return selection
    }
}
