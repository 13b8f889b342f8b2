import JSON
import QEMUFormats

/// Reads `device_add`'s `driver[,prop=value][,...]` (QEMU's QemuOpts syntax: `,,` is a literal comma, a bare
/// first word is the driver, a bare later word means `word=on`) into `device_add`'s QMP arguments.
///
/// HMP has only text, QMP wants typed values: numbers (and sizes such as `256M`) become integers, everything
/// else stays a string; `driver`, `id` and `bus` are always strings.
enum DeviceOptionsParser {
    private static let stringMembers: Set<String> = ["driver", "id", "bus"]

    static func arguments(_ text: String) throws(HMPError) -> JSONObject {
        guard !text.isEmpty else { throw HMPError("Parameter 'driver' is missing") }
        var arguments: JSONObject = [:]
        for (key, value) in QEMUOptionList.pairs(text, impliedFirstKey: "driver") {
            guard !key.isEmpty else { throw HMPError("Invalid parameter ''") }
            arguments[key] = stringMembers.contains(key) ? .string(value) : typed(value)
        }
        guard arguments["driver"] != nil else { throw HMPError("Parameter 'driver' is missing") }
        return arguments
    }

    private static func typed(_ value: String) -> JSONValue {
        if let number = QEMUNumberParser.unsignedInteger(value) { return .integer(number) }
        if let last = value.unicodeScalars.last, last != "b" && last != "B" && last != "e" && last != "E",
            QEMUNumberParser.suffixMultiplier(last) != nil, let size = try? QEMUNumberParser.size(value)
        {
            return .integer(size)
        }
        return .string(value)
    }
}
