import JSON

/// What a command handler gives back.
package struct QMPReturn: Sendable {
    /// The `return` member of the reply.
    package var value: JSONValue
    /// Runs on the connection's event loop once the reply has been written (used by `quit`).
    package var afterReply: (@Sendable () -> Void)?

    /// A return value, and optionally an action to run once the reply is written.
    package init(_ value: JSONValue = .emptyObject, afterReply: (@Sendable () -> Void)? = nil) {
        self.value = value
        self.afterReply = afterReply
    }
}

/// A QMP command implementation. Arguments reach it already validated against the schema.
package struct QMPCommand: Sendable {
    /// Where a handler runs.
    package enum Execution: Sendable {
        /// On the connection's event loop: the handler must be quick and never block.
        case eventLoop
        /// On a worker thread: the handler may block (socket connects, waiting on threads).
        case worker
        /// On the server's lane for long-running commands (a digest of all guest RAM): they queue behind one
        /// another there, never in front of the ``worker`` commands (`migrate_cancel` stays prompt however many
        /// clients ask for digests).
        case longRunning
    }

    /// The command's name as the schema and clients spell it.
    package var name: String
    /// Where the handler runs.
    package var execution: Execution
    /// The handler: validated arguments in, the reply's `return` value out.
    package var body: @Sendable (JSONObject) throws -> QMPReturn

    /// A handler returning a value; errors thrown that are not ``QMPError`` become `GenericError`.
    package init(
        _ name: String, execution: Execution = .eventLoop, _ body: @escaping @Sendable (JSONObject) throws -> JSONValue
    ) {
        self.name = name
        self.execution = execution
        self.body = { arguments in QMPReturn(try body(arguments)) }
    }

    /// A handler that also wants an action after its reply is written.
    package init(
        _ name: String, execution: Execution = .eventLoop,
        returning body: @escaping @Sendable (JSONObject) throws -> QMPReturn
    ) {
        self.name = name
        self.execution = execution
        self.body = body
    }

    /// Runs the handler; errors that are not ``QMPError`` become `GenericError`.
    package func invoke(_ arguments: JSONObject) -> Result<QMPReturn, QMPError> {
        do {
            return .success(try body(arguments))
        } catch let error as QMPError {
            return .failure(error)
        } catch {
            return .failure(.generic("\(error)"))
        }
    }
}

/// What the server needs from the command schema: validation before any side effect, and introspection.
package protocol QMPCommandSchema: Sendable {
    /// The command names the schema declares.
    var commandNames: [String] { get }
    /// Checks `arguments` of `command` and returns them; throws a `GenericError` with QEMU's text otherwise.
    func validateArguments(command: String, arguments: JSONObject) throws(QMPError) -> JSONObject
    /// Whether the schema allows `command` with `exec-oob`.
    func allowsOutOfBand(command: String) -> Bool
    /// The `query-qmp-schema` reply for the implemented commands.
    func introspection(implementedCommands: Set<String>) -> JSONValue
}
