import HMP
import JSON
import QMP
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Runs QMP commands inside the daemon, through the same schema validation and handlers a socket client
/// reaches. `human-monitor-command` gives it to the HMP interpreter, so HMP text typed over QMP runs the
/// same code as the `vmig` client.
final class InProcessQMPCaller: QMPCaller, Sendable {
    private let table = NIOLockedValueBox<QMPCommandTable?>(nil)
    private let schema: any QMPCommandSchema

    init(schema: any QMPCommandSchema) {
        self.schema = schema
    }

    /// Installs the finished command table.
    func install(_ commands: QMPCommandTable) {
        table.withLockedValue { $0 = commands }
    }

    func execute(_ command: String, _ arguments: JSONObject) throws -> JSONValue {
        guard let handler = table.withLockedValue({ $0 })?[command] else {
            throw QMPCallError(errorClass: "CommandNotFound", desc: "The command \(command) has not been found")
        }
        do {
            let checked = try schema.validateArguments(command: command, arguments: arguments)
            let reply = try handler.body(checked)
            reply.afterReply?()
            return reply.value
        } catch let error as QMPError {
            throw QMPCallError(errorClass: error.errorClass.rawValue, desc: error.desc)
        } catch {
            throw QMPCallError(errorClass: "GenericError", desc: "\(error)")
        }
    }
}
