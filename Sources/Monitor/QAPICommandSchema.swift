import JSON
import QAPI
import QMP

/// Drives the QMP server from the QAPI schema: argument validation and introspection.
package struct QAPICommandSchema: QMPCommandSchema {
    /// The schema that drives validation and introspection.
    package let schema: QAPISchema

    /// Wraps `schema` (the one compiled into the binary unless given).
    package init(_ schema: QAPISchema = .embedded) {
        self.schema = schema
    }

    /// Every command the schema declares.
    package var commandNames: [String] { schema.commandNames }

    /// Checks arguments against the schema; errors are `GenericError` with QEMU's text.
    package func validateArguments(command: String, arguments: JSONObject) throws(QMPError) -> JSONObject {
        do {
            return try schema.validateArguments(command: command, arguments: arguments)
        } catch {
            throw QMPError.generic(error.message)
        }
    }

    /// Whether the schema marks `command` as `allow-oob`.
    package func allowsOutOfBand(command: String) -> Bool {
        schema.command(command)?.allowOOB ?? false
    }

    /// The event checker for ``QMPEventHub``: nil when `name` with `data` conforms to the schema.
    package var eventValidator: QMPEventHub.Validator {
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

    /// SchemaInfo entries for `query-qmp-schema`.
    package func introspection(implementedCommands: Set<String>) -> JSONValue {
        schema.introspection(implementedCommands: implementedCommands)
    }
}
