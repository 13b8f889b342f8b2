import JSON
public struct QAPIValidationError: Error, Sendable, Equatable { public let message: String }
public struct QAPICommand: Sendable { public let name: String; public let allowOOB: Bool }
public final class QAPISchema: Sendable {
    public static let embedded = QAPISchema()
    public var commandNames: [String] { [] }
    public func command(_ name: String) -> QAPICommand? { nil }
    public func validateArguments(command: String, arguments: JSONObject) throws(QAPIValidationError) -> JSONObject {
        if command == "qmp_capabilities", let list = arguments["enable"]?.arrayValue {
            for item in list where item != "oob" { throw QAPIValidationError(message: "Parameter 'null' does not accept value '\(item.stringValue ?? "")'") }
            return arguments
        }
        if let key = arguments.keys.first { throw QAPIValidationError(message: "Parameter '\(key)' is unexpected") }
        return arguments
    }
    public func introspection(implementedCommands: Set<String>) -> JSONValue { [] }
}
