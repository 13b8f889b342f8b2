import JSON
import Machine

/// `x-query-digest`'s reply from a machine's digests.
enum MachineDigestsJSON {
    /// The RAM digest and, with devices, each one's as 16 hex digits.
    static func json(_ digests: MachineDigests) -> JSONValue {
        var result: JSONObject = ["ram": .string(digests.ram)]
        if !digests.devices.isEmpty {
            result["devices"] = .array(digests.devices.map { device in
                let digest = device.digest.map { String($0, radix: 16) } ?? ""
                let padded = String(repeating: "0", count: max(0, 16 - digest.count)) + digest
                return ["id": .string(device.id), "digest": .string(padded)]
            })
        }
        return .object(result)
    }
}
