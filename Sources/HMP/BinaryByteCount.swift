/// Byte counts and rates for people: `512.0 MiB`, `1.25 GiB/s`.
package enum BinaryByteCount {
    /// `bytes` in B, KiB, MiB, GiB or TiB with one decimal (none for bytes).
    package static func string(_ bytes: UInt64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\(CFormat.fixed(value, decimals: 1)) \(units[unit])"
    }

    /// A rate in bytes per second: `812.4 MiB/s`.
    package static func rate(_ bytesPerSecond: Double) -> String {
        string(UInt64(max(0, bytesPerSecond.isFinite ? bytesPerSecond : 0))) + "/s"
    }
}
