/// One element of an HMP command's signature, as QEMU's `args_type` letters describe it.
enum HMPParameter: Sendable, Equatable {
    /// `key:-x`: a flag written `-x`; true when present.
    case flag(key: String, letter: Character)
    /// `key:s` (or `key:s?` when optional): one word, or a double-quoted string with `\n \r \\ \' \"` escapes.
    case word(key: String, optional: Bool)
    /// `key:S` (or `key:S?`): everything up to the end of the line.
    case restOfLine(key: String, optional: Bool)
    /// `key:b`: exactly `on` or `off`.
    case onOff(key: String)
    /// `key:O`: a QemuOpts string `driver[,prop=value][,...]`, kept as text.
    case options(key: String)

    /// The name the argument is stored under.
    var key: String {
        switch self {
        case .flag(let key, _), .word(let key, _), .restOfLine(let key, _), .onOff(let key), .options(let key):
            return key
        }
    }
}
