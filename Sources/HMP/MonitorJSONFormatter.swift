import JSON

/// JSON as QEMU's `qobject_to_json_pretty` writes it for `qom-get`: objects and arrays over several lines
/// with four-space indentation (an empty one as `{` newline `}`), non-ASCII characters as `\uXXXX`.
enum MonitorJSONFormatter {
    /// The pretty text of `value` (no final newline).
    static func pretty(_ value: JSONValue) -> String {
        var output = ""
        append(value, indent: 0, to: &output)
        return output
    }

    private static func append(_ value: JSONValue, indent: Int, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += "\(number)"
        case .uint(let number): output += "\(number)"
        case .double(let number): output += CFormat.general(number)
        case .string(let text): appendQuoted(text, to: &output)
        case .array(let elements):
            appendContainer(open: "[", close: "]", count: elements.count, indent: indent, to: &output) { index, output in
                append(elements[index], indent: indent + 1, to: &output)
            }
        case .object(let members):
            let pairs = Array(members)
            appendContainer(open: "{", close: "}", count: pairs.count, indent: indent, to: &output) { index, output in
                appendQuoted(pairs[index].key, to: &output)
                output += ": "
                append(pairs[index].value, indent: indent + 1, to: &output)
            }
        }
    }

    private static func appendContainer(
        open: String, close: String, count: Int, indent: Int, to output: inout String,
        element: (Int, inout String) -> Void
    ) {
        output += open
        let padding = String(repeating: " ", count: 4 * (indent + 1))
        for index in 0..<count {
            output += index == 0 ? "\n" : ",\n"
            output += padding
            element(index, &output)
        }
        output += "\n" + String(repeating: " ", count: 4 * indent) + close
    }

    private static func appendQuoted(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value >= 0x7F {
                    for unit in String(scalar).utf16 { output += "\\u" + hex4(unit) }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
