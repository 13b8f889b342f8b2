import JSON

/// The shared blocking QMP client (module `QMPClient`), under the name the tests know it by.
package typealias QMPTestClient = QMPClient

extension QMPClient {
    /// Runs `command` expecting an error; returns `(class, desc)`.
    package func expectError(_ command: String, _ arguments: JSONObject? = nil) throws -> (String, String) {
        do {
            let value = try execute(command, arguments)
            throw TestingError("\(command) succeeded unexpectedly: \(value)")
        } catch let failure as QMPCommandFailure {
            return (failure.errorClass, failure.desc)
        }
    }
}
