import JSON

/// `migrate`, `migrate_incoming`, `migrate_cancel`, `migrate_continue`, `migrate_set_capability`,
/// `migrate_set_parameter` and the migration `info` commands.
enum MigrationCommands {
    /// `migrate [-d] [-r] uri`. Without `-d` the client waits (see ``HMPResult/FollowUp/waitForMigration``);
    /// under `human-monitor-command` it continues detached, as QEMU does in a non-interactive monitor.
    static func migrate(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        var request: JSONObject = ["uri": .string(arguments.requiredString("uri"))]
        if arguments.bool("resume") { request["resume"] = true }
        _ = try context.qmp("migrate", request)
        guard !arguments.bool("detach") else { return }
        switch context.frontend {
        case .client: context.followUp = .waitForMigration
        case .humanMonitorCommand: context.line("terminal does not allow synchronous migration, continuing detached")
        }
    }

    /// `migrate_incoming uri`: as in QEMU's HMP, `exit-on-error` is false (a failure leaves the destination up).
    /// QEMU's error names its own `-incoming`; here it names vmigd's flag.
    static func migrateIncoming(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        do {
            _ = try context.qmp(
                "migrate-incoming", ["uri": .string(arguments.requiredString("uri")), "exit-on-error": false])
        } catch let error as QMPCallError where error.desc == "'-incoming' was not specified on the command line" {
            throw HMPError(
                "'--incoming' was not specified on vmigd's command line",
                hint: "Start the destination vmigd with --incoming defer to use migrate_incoming.\n")
        }
    }

    static func migrateCancel(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        _ = try context.qmp("migrate_cancel")
    }

    static func migrateContinue(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let state = arguments.requiredString("state")
        guard MigrationVocabulary.statuses.contains(state) else {
            throw HMPError.invalidParameterValue(
                state, suggestion: CommandNameSuggester.suggestion(for: state, among: MigrationVocabulary.statuses))
        }
        _ = try context.qmp("migrate-continue", ["state": .string(state)])
    }

    static func migrateSetCapability(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let name = arguments.requiredString("capability")
        guard MigrationVocabulary.capabilities.contains(name) else {
            throw HMPError.unknownName(
                name, kind: "migration capability", listedBy: "info migrate_capabilities",
                suggestion: CommandNameSuggester.suggestion(for: name, among: MigrationVocabulary.capabilities))
        }
        let capability: JSONValue = ["capability": .string(name), "state": .bool(arguments.bool("state"))]
        _ = try context.qmp("migrate-set-capabilities", ["capabilities": [capability]])
    }

    /// `migrate_set_parameter NAME VALUE`: the value is parsed by the parameter's type (sizes take suffixes;
    /// the bandwidths default to MiB) and sent with `migrate-set-parameters`.
    static func migrateSetParameter(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let name = arguments.requiredString("parameter")
        guard let kind = MigrationParameterCatalog.kind(of: name) else {
            throw HMPError.unknownName(
                name, kind: "migration parameter", listedBy: "info migrate_parameters",
                suggestion: CommandNameSuggester.suggestion(for: name, among: MigrationParameterCatalog.names))
        }
        let value = try MigrationParameterCatalog.value(of: arguments.requiredString("value"), for: name, kind: kind)
        do {
            _ = try context.qmp("migrate-set-parameters", [name: value])
        } catch let error as QMPCallError {
            // QEMU's range checks name the parameter with underscores (`multifd_channels`): use the name typed.
            let underscored = "Parameter '\(name.replacing("-", with: "_"))'"
            throw QMPCallError(errorClass: error.errorClass, desc: error.desc.replacing(underscored, with: "Parameter '\(name)'"))
        }
    }

    static func infoMigrate(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        context.write(MigrationInfoFormatter.text(try context.qmp("query-migrate")))
    }

    /// `name: on|off` per capability (QEMU's `hmp_info_migrate_capabilities`).
    static func infoMigrateCapabilities(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        for capability in try context.qmp("query-migrate-capabilities").arrayValue ?? [] {
            context.line("\(capability.text("capability")): \(capability.flag("state") ? "on" : "off")")
        }
    }

    static func infoMigrateParameters(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        context.write(MigrationParametersFormatter.text(try context.qmp("query-migrate-parameters")))
    }

    static func infoVFIO(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        context.write(VFIOMigrationFormatter.text(try context.qmp("x-query-vfio-migration").arrayValue ?? []))
    }
}
