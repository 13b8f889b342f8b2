import JSON

extension JSONValue {
    /// The value as QEMU's uint64 reader sees it: non-negative integers as they are, negative ones
    /// wrapped in two's complement (`-1` reads as 18446744073709551615); nil for anything else.
    ///
    /// Handlers of uint64/size members that passed validation read them with this, as QEMU does.
    package var wrappingUInt64Value: UInt64? {
        switch self {
        case .int(let number): return UInt64(bitPattern: number)
        case .uint(let number): return number
        default: return nil
        }
    }
}
