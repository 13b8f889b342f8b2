import HMP
import JSON
import QMPClient

/// The HMP interpreter's view of a vmigd (`QMPCaller`) over the shared blocking client: an error reply becomes
/// HMP's `QMPCallError`; a lost connection stays a ``QMPClientError`` (vmig exits with status 2). Events are not
/// kept: vmig polls.
final class QMPConnection: QMPCaller {
    private let client: QMPClient

    /// Connects to `path` and negotiates; waits at most `timeout` seconds for each reply.
    init(path: String, timeout: Double = 60) throws(QMPClientError) {
        client = try QMPClient(path: path, timeout: timeout)
        client.keepsEvents = false
    }

    /// The socket path.
    var path: String { client.path }

    /// Runs `command`; a QMP error reply throws ``QMPCallError``, a lost connection ``QMPClientError``.
    func execute(_ command: String, _ arguments: JSONObject) throws -> JSONValue {
        do {
            return try client.execute(command, arguments.isEmpty ? nil : arguments)
        } catch let failure as QMPCommandFailure {
            throw QMPCallError(errorClass: failure.errorClass, desc: failure.desc)
        }
    }

    /// Closes the connection.
    func close() { client.close() }
}
