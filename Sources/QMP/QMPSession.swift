import JSON

/// The protocol state of one QMP connection, independent of sockets: negotiation mode, then command mode.
///
/// It turns each decoded input into either an immediate reply or a command to run, applying QEMU's checks in
/// QEMU's order: top-level shape, negotiation gate, command lookup, argument validation against the schema.
package struct QMPSession {
    /// What to do with one input.
    package enum Step {
        /// Send these bytes; nothing to run.
        case reply([UInt8])
        /// Run the command with validated arguments, then reply with `id`.
        case run(QMPCommand, JSONObject, id: JSONValue?)
        /// Negotiation succeeded: send the reply, then start receiving events.
        case negotiated([UInt8])
    }

    private(set) var isNegotiated = false
    private(set) var oobEnabled = false
    let commands: QMPCommandTable
    let schema: any QMPCommandSchema

    package init(commands: QMPCommandTable, schema: any QMPCommandSchema) {
        self.commands = commands
        self.schema = schema
    }

    /// Whether `input` is an `exec-oob` request that may overtake queued commands.
    package func isOutOfBand(_ input: JSONValue) -> Bool {
        isNegotiated && oobEnabled && input["exec-oob"] != nil
    }

    package mutating func step(_ item: JSONStreamDecoder.Item) -> Step {
        switch item {
        case .error(let parseError):
            return .reply(QMPMessage.error(.generic(parseError.description), id: nil))
        case .value(let input):
            switch QMPRequest.parse(input, oobEnabled: isNegotiated && oobEnabled) {
            case .failure(let failure):
                return .reply(QMPMessage.error(failure.error, id: failure.id))
            case .success(let request):
                return dispatch(request)
            }
        }
    }

    private mutating func dispatch(_ request: QMPRequest) -> Step {
        let id = request.id
        if request.command == "qmp_capabilities" {
            return negotiate(request)
        }
        guard isNegotiated else {
            return .reply(QMPMessage.error(
                QMPError(.commandNotFound, "Expecting capabilities negotiation with 'qmp_capabilities'"), id: id))
        }
        guard let command = commands[request.command] else {
            return .reply(QMPMessage.error(
                QMPError(.commandNotFound, "The command \(request.command) has not been found"), id: id))
        }
        if request.outOfBand && !schema.allowsOutOfBand(command: request.command) {
            return .reply(QMPMessage.error(.generic("The command \(request.command) does not support OOB"), id: id))
        }
        do {
            let arguments = try schema.validateArguments(command: request.command, arguments: request.arguments)
            return .run(command, arguments, id: id)
        } catch {
            return .reply(QMPMessage.error(error, id: id))
        }
    }

    private mutating func negotiate(_ request: QMPRequest) -> Step {
        if isNegotiated {
            return .reply(QMPMessage.error(
                QMPError(.commandNotFound, "Capabilities negotiation is already complete, command ignored"),
                id: request.id))
        }
        do {
            let arguments = try schema.validateArguments(command: "qmp_capabilities", arguments: request.arguments)
            oobEnabled = arguments["enable"]?.arrayValue?.contains("oob") ?? false
            isNegotiated = true
            return .negotiated(QMPMessage.reply(.emptyObject, id: request.id))
        } catch {
            return .reply(QMPMessage.error(error, id: request.id))
        }
    }
}
