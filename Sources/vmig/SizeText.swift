/// Sizes as command-line text: the largest binary suffix that divides exactly (`1G`, `1536M`, `4096`).
enum SizeText {
    static func canonical(_ bytes: UInt64) -> String {
        let suffixes: [(Character, UInt64)] = [("E", 1 << 60), ("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for (suffix, unit) in suffixes where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)"
    }
}
