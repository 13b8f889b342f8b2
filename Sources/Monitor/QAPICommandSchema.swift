import JSON
import QAPI
import QMP

/// Drives the QMP server from the QAPI schema: argument validation and introspection.
public struct QAPICommandSchema: QMPCommandSchema {
    public let schema: QAPISchema

    public init(_ schema: QAPISchema = .embedded) {
        self.schema = schema
    }

    public var commandNames: [String] { schema.commandNames }

    public func validateArguments(command: String, arguments: JSONObject) throws(QMPError) -> JSONObject {
        do {
            return try schema.validateArguments(command: command, arguments: arguments)
        } catch {
            throw QMPError.generic(error.message)
        }
    }

    public func allowsOutOfBand(command: String) -> Bool {
        schema.command(command)?.allowOOB ?? false
    }

    /// The event checker for ``QMPEventHub``: nil when `name` with `data` conforms to the schema.
    public var eventValidator: QMPEventHub.Validator {
        let schema = self.schema
        return { name, data in
            do throws(QAPIValidationError) {
                try schema.validateEventData(event: name, data: data ?? [:])
                return nil
            } catch {
                return error.message
            }
        }
    }

    public func introspection(implementedCommands: Set<String>) -> JSONValue {
        schema.introspection(implementedCommands: implementedCommands)
    }
}
