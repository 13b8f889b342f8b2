import JSON
import Machine
import Migration
import QAPI
import QMP

/// The migration commands: QMP arguments (already schema-checked) to the engine's Swift API and back.
package struct MigrationCommands: Sendable {
    /// The machine whose engine the commands drive.
    package let machine: Machine

    /// Commands over `machine`'s migration engine.
    package init(machine: Machine) {
        self.machine = machine
    }

    /// The command handlers.
    package var commands: [QMPCommand] {
        let engine = machine.engine
        let host = machine.host
        return [
            QMPCommand("migrate", execution: .worker) { arguments in
                try engine.startOutgoing(uri: try Self.uri(from: arguments, command: "migrate"))
                return .emptyObject
            },
            QMPCommand("migrate-incoming", execution: .worker) { arguments in
                try engine.migrateIncoming(uri: try Self.uri(from: arguments, command: "migrate-incoming"),
                                           exitOnError: arguments["exit-on-error"]?.boolValue ?? true)
                return .emptyObject
            },
            QMPCommand("migrate_cancel", execution: .worker) { _ in
                engine.cancel()
                return .emptyObject
            },
            QMPCommand("migrate-continue", execution: .worker) { arguments in
                let name = arguments["state"]?.stringValue ?? ""
                guard let state = MigrationStatus(rawValue: name) else {
                    throw QMPError.generic("Parameter 'state' does not accept value '\(name)'")
                }
                try engine.continueMigration(from: state)
                return .emptyObject
            },
            QMPCommand("migrate-set-capabilities") { arguments in
                try engine.setCapabilities(try Self.capabilityChanges(arguments))
                return .emptyObject
            },
            QMPCommand("query-migrate-capabilities") { _ in
                .array(engine.capabilities.list.map(MigrationCapabilityStatusJSON.json))
            },
            QMPCommand("migrate-set-parameters") { arguments in
                try engine.setParameters(try MigrationParameterUpdate(qapi: arguments))
                return .emptyObject
            },
            QMPCommand("query-migrate-parameters") { _ in
                engine.parameters.qapiJSON
            },
            QMPCommand("query-migrate") { _ in
                MigrationInfoJSON.json(engine.info(), vfioTransferred: host.vfioTransferred(engine.info()))
            },
            QMPCommand("pmemsave", execution: .longRunning) { arguments in
                do {
                    try MemoryDump.save(host.memory, start: arguments["val"]?.uint64Value ?? 0,
                                        size: arguments["size"]?.uint64Value ?? 0,
                                        to: arguments["filename"]?.stringValue ?? "")
                } catch let error as MigrationError {
                    throw QMPError(.genericError, error.message)
                }
                return .emptyObject
            },
            QMPCommand("x-query-digest", execution: .longRunning) { _ in
                MachineDigestsJSON.json(host.digests())
            },
        ]
    }

    /// The URI of `migrate`/`migrate-incoming`: `uri`, or the one main channel of `channels`.
    static func uri(from arguments: JSONObject, command: String) throws -> String {
        let uri = arguments["uri"]?.stringValue
        let channels = arguments["channels"]?.arrayValue
        switch (uri, channels) {
        case (let uri?, nil):
            return uri
        case (nil, let channels?):
            return try ChannelList.uri(of: channels)
        case (.some, .some):
            throw QMPError.generic(
                "'uri' and 'channels' arguments are mutually exclusive; exactly one of the two should be present in '\(command)' qmp command ")
        case (nil, nil):
            throw QMPError.generic("neither 'uri' or 'channels' argument are specified in '\(command)' qmp command ")
        }
    }

    /// The `capabilities` list of `migrate-set-capabilities` (generated mapping of `MigrationCapabilityStatus`).
    static func capabilityChanges(_ arguments: JSONObject) throws -> [(MigrationCapability, Bool)] {
        try (arguments["capabilities"]?.arrayValue ?? []).map { try MigrationCapabilityStatusJSON.decode($0) }
    }
}

/// QEMU's `MigrationChannel` list, reduced to the URI vmig's transports take.
enum ChannelList {
    static func uri(of channels: [JSONValue]) throws -> String {
        guard channels.count == 1 else {
            throw QMPError.generic(channels.isEmpty ? "Channel list is empty" : "Channel list has more than one entries")
        }
        let channel = channels[0]
        guard channel["channel-type"]?.stringValue == "main" else {
            throw QMPError.generic("Channel list has no main entry")
        }
        guard let address = channel["addr"] else {
            throw QMPError.generic("Migration requires a socket transport in vmig")
        }
        switch address["transport"]?.stringValue {
        case "file":
            let path = address["filename"]?.stringValue ?? ""
            let offset = address["offset"]?.uint64Value ?? 0
            return offset == 0 ? "file:" + path : "file:\(path),offset=\(offset)"
        case "exec":
            return "exec:" + shellCommand(address["args"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        case "socket":
            break
        default:
            throw QMPError.generic("Migration requires a socket transport in vmig")
        }
        switch address["type"]?.stringValue {
        case "unix":
            return "unix:" + (address["path"]?.stringValue ?? "")
        case "inet":
            let host = address["host"]?.stringValue ?? ""
            let port = address["port"]?.stringValue ?? ""
            return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        default:
            throw QMPError.generic("Migration requires a unix or inet socket address in vmig")
        }
    }

    /// QEMU runs an exec channel's `args` as they are; vmig's `exec:` runs `/bin/sh -c CMD`: `["/bin/sh", "-c",
    /// CMD]` is CMD itself, any other list becomes each argument single-quoted.
    private static func shellCommand(_ args: [String]) -> String {
        if args.count == 3 && args[0] == "/bin/sh" && args[1] == "-c" { return args[2] }
        return args.map { argument in
            "'" + argument.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
