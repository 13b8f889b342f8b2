import JSON

/// Compares the `x-query-digest` replies of a migration's source and destination: the integrity check.
package struct DigestComparison: Sendable, Equatable {
    /// Names of what differs: `ram`, device ids, or `DEVICE (missing on destination)`.
    package let mismatches: [String]
    /// How many digests were compared (RAM plus devices).
    package let comparedCount: Int
    /// The RAM digest of the source.
    package let ramDigest: String

    /// Compares two DigestInfo objects.
    package init(source: JSONValue, destination: JSONValue) {
        var mismatches: [String] = []
        if source.text("ram") != destination.text("ram") { mismatches.append("ram") }
        let sourceDevices = Self.deviceDigests(source)
        let destinationDevices = Self.deviceDigests(destination)
        for (id, digest) in sourceDevices {
            guard let other = destinationDevices.first(where: { $0.id == id }) else {
                mismatches.append("\(id) (missing on destination)")
                continue
            }
            if other.digest != digest { mismatches.append(id) }
        }
        for (id, _) in destinationDevices where !sourceDevices.contains(where: { $0.id == id }) {
            mismatches.append("\(id) (missing on source)")
        }
        self.mismatches = mismatches
        comparedCount = 1 + sourceDevices.count
        ramDigest = source.text("ram")
    }

    /// Whether every digest is equal.
    package var matches: Bool { mismatches.isEmpty }

    /// One line: `OK: RAM and 3 device digests identical (ram 5f0c1a2b3c4d…)` or `MISMATCH: ram, gpu0`.
    package var summary: String {
        guard matches else { return "MISMATCH: " + mismatches.joined(separator: ", ") }
        let devices = comparedCount - 1
        let what = devices == 0 ? "RAM digest" : "RAM and \(devices) device digest\(devices == 1 ? "" : "s")"
        return "OK: \(what) identical on source and destination (ram \(ramDigest.prefix(16))…)"
    }

    private static func deviceDigests(_ info: JSONValue) -> [(id: String, digest: String)] {
        (info["devices"]?.arrayValue ?? []).map { ($0.text("id"), $0.text("digest")) }
    }
}
