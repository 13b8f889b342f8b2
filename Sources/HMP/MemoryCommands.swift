import Glibc
import JSON

/// `pmemsave addr size "file"`: guest-physical memory to a file (QEMU's `hmp_pmemsave` over `pmemsave`).
enum MemoryCommands {
    static func pmemsave(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let start = try number(arguments.requiredString("val"))
        let size = try number(arguments.requiredString("size"))
        _ = try context.qmp("pmemsave", [
            "val": .integer(start), "size": .integer(size), "filename": .string(arguments.requiredString("filename")),
        ])
    }

    /// A C integer literal as HMP takes addresses and sizes: decimal, `0x` hex or `0` octal.
    static func number(_ text: String) throws -> UInt64 {
        let value = text.withCString { pointer -> UInt64? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let parsed = strtoull(pointer, &end, 0)
            guard errno == 0, let end, end != UnsafeMutablePointer(mutating: pointer), end.pointee == 0 else { return nil }
            return UInt64(parsed)
        }
        guard let value, !text.hasPrefix("-") else { throw HMPError("invalid number '\(text)' in expression") }
        return value
    }
}
