/// Why a command's arguments (or an event's data) do not match the schema.
///
/// `message` is QEMU's text for the same mistake, as its QObject input visitor words it; a QMP server
/// replies `{"class": "GenericError", "desc": message}`.
package struct QAPIValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The human-readable text, e.g. `Parameter 'uri' is missing`.
    package let message: String

    /// Wraps a message; handlers use this for their own semantic checks.
    package init(message: String) {
        self.message = message
    }

    package var description: String { message }
}

extension QAPIValidationError {
    /// A required member is absent: `Parameter 'capabilities[0].state' is missing`.
    static func missing(_ fullName: String) -> QAPIValidationError {
        QAPIValidationError(message: "Parameter '\(fullName)' is missing")
    }

    /// A member the schema does not declare: `Parameter 'foo' is unexpected`.
    static func unexpected(_ fullName: String) -> QAPIValidationError {
        QAPIValidationError(message: "Parameter '\(fullName)' is unexpected")
    }

    /// The JSON type is wrong: `Invalid parameter type for 'x', expected: boolean`.
    static func invalidType(_ name: String, expected: String) -> QAPIValidationError {
        QAPIValidationError(message: "Invalid parameter type for '\(name)', expected: \(expected)")
    }

    /// The value is out of the type's domain: `Parameter 'multifd-channels' expects uint8_t`.
    static func invalidValue(_ name: String, expects: String) -> QAPIValidationError {
        QAPIValidationError(message: "Parameter '\(name)' expects \(expects)")
    }

    /// A string that is not one of the enum's values: `Parameter 'capability' does not accept value 'nope'`.
    static func enumValue(_ name: String, value: String) -> QAPIValidationError {
        QAPIValidationError(message: "Parameter '\(name)' does not accept value '\(value)'")
    }
}
