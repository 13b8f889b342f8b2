import JSON

/// `info migrate_parameters`: QEMU 10.0's `name: value [unit]` lines (`hmp_info_migrate_parameters`) of a
/// `query-migrate-parameters` reply. Only the parameters QEMU prints are printed, in its order.
enum MigrationParametersFormatter {
    /// How one parameter's value is printed.
    enum Style {
        case number(unit: String)
        case onOff
        case quoted
        case text
    }

    static let lines: [(name: String, style: Style)] = [
        ("announce-initial", .number(unit: " ms")), ("announce-max", .number(unit: " ms")),
        ("announce-rounds", .number(unit: "")), ("announce-step", .number(unit: " ms")),
        ("throttle-trigger-threshold", .number(unit: "")), ("cpu-throttle-initial", .number(unit: "")),
        ("cpu-throttle-increment", .number(unit: "")), ("cpu-throttle-tailslow", .onOff),
        ("max-cpu-throttle", .number(unit: "")), ("tls-creds", .quoted), ("tls-hostname", .quoted),
        ("max-bandwidth", .number(unit: " bytes/second")), ("avail-switchover-bandwidth", .number(unit: " bytes/second")),
        ("downtime-limit", .number(unit: " ms")), ("x-checkpoint-delay", .number(unit: " ms")),
        ("multifd-channels", .number(unit: "")), ("multifd-compression", .text), ("zero-page-detection", .text),
        ("xbzrle-cache-size", .number(unit: " bytes")), ("max-postcopy-bandwidth", .number(unit: "")),
        ("tls-authz", .quoted), ("x-vcpu-dirty-limit-period", .number(unit: " ms")),
        ("vcpu-dirty-limit", .number(unit: " MB/s")), ("mode", .text),
    ]

    /// The whole text for `parameters` (a MigrationParameters object).
    static func text(_ parameters: JSONValue) -> String {
        lines.map { name, style in "\(name): \(value(of: name, in: parameters, style: style))\n" }.joined()
    }

    private static func value(of name: String, in parameters: JSONValue, style: Style) -> String {
        switch style {
        case .number(let unit): return "\(parameters.unsigned(name))\(unit)"
        case .onOff: return parameters.flag(name) ? "on" : "off"
        case .quoted: return "'\(parameters.text(name))'"
        case .text: return parameters.text(name)
        }
    }
}
