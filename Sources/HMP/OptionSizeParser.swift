import QEMUFormats

/// QEMU's `parse_option_size`: a size in bytes (suffixes allowed) with QEMU's messages naming the parameter.
enum OptionSizeParser {
    /// `inMilliseconds`: the parameter is a time that QEMU reads as a size; its error then asks for milliseconds
    /// instead of giving the byte suffixes.
    static func parse(_ text: String, name: String, inMilliseconds: Bool = false) throws(HMPError) -> UInt64 {
        do {
            return try QEMUNumberParser.size(text)
        } catch .outOfRange {
            throw HMPError("Value '\(text)' is out of range for parameter '\(name)'")
        } catch where inMilliseconds {
            throw .parameterExpects(name, "a whole number of milliseconds")
        } catch {
            throw .parameterExpects(
                name, "a non-negative number below 2^64",
                hint: "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n")
        }
    }
}
