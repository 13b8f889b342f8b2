/// Every HMP command vmig knows, with QEMU's names, signatures and help lines, in QEMU's order.
enum HMPCommandTable {
    /// The top-level commands.
    static let commands: [HMPCommandSpec] = [
        HMPCommandSpec(
            "help|?", [.restOfLine(key: "name", optional: true)], synopsis: "[cmd]", help: "show the help",
            handler: HelpCommands.help),
        HMPCommandSpec("quit|q", help: "quit the emulator", handler: RunStateCommands.quit),
        HMPCommandSpec("stop|s", help: "stop emulation", handler: RunStateCommands.stop),
        HMPCommandSpec("cont|c", help: "resume emulation", handler: RunStateCommands.cont),
        HMPCommandSpec(
            "device_add", [.options(key: "device")], synopsis: "driver[,prop=value][,...]",
            help: "add device, like -device on the command line", handler: DeviceCommands.add),
        HMPCommandSpec(
            "device_del", [.word(key: "id", optional: false)], synopsis: "device", help: "remove device",
            handler: DeviceCommands.delete),
        HMPCommandSpec(
            "pmemsave",
            [.word(key: "val", optional: false), .word(key: "size", optional: false),
             .word(key: "filename", optional: false)],
            synopsis: "addr size file", help: "save to disk physical memory dump starting at 'addr' of size 'size'",
            handler: MemoryCommands.pmemsave),
        HMPCommandSpec(
            "migrate",
            [.flag(key: "detach", letter: "d"), .flag(key: "resume", letter: "r"), .word(key: "uri", optional: false)],
            synopsis: "[-d] [-r] uri",
            help: "migrate to URI (using -d to not wait for completion)\n\t\t\t -r to resume a paused postcopy migration",
            handler: MigrationCommands.migrate),
        HMPCommandSpec("migrate_cancel", help: "cancel the current VM migration", handler: MigrationCommands.migrateCancel),
        HMPCommandSpec(
            "migrate_continue", [.word(key: "state", optional: false)], synopsis: "state",
            help: "Continue migration from the given paused state", handler: MigrationCommands.migrateContinue),
        HMPCommandSpec(
            "migrate_incoming", [.word(key: "uri", optional: false)], synopsis: "uri",
            help: "Continue an incoming migration from an -incoming defer", handler: MigrationCommands.migrateIncoming),
        HMPCommandSpec(
            "migrate_set_capability", [.word(key: "capability", optional: false), .onOff(key: "state")],
            synopsis: "capability state", help: "Enable/Disable the usage of a capability for migration",
            handler: MigrationCommands.migrateSetCapability),
        HMPCommandSpec(
            "migrate_set_parameter", [.word(key: "parameter", optional: false), .word(key: "value", optional: false)],
            synopsis: "parameter value", help: "Set the parameter for migration",
            handler: MigrationCommands.migrateSetParameter),
        HMPCommandSpec(
            "qom-list", [.word(key: "path", optional: true)], synopsis: "path", help: "list QOM properties",
            handler: QOMCommands.list),
        HMPCommandSpec(
            "qom-get", [.word(key: "path", optional: false), .word(key: "property", optional: false)],
            synopsis: "path property", help: "print QOM property", handler: QOMCommands.get),
        HMPCommandSpec(
            "qom-set",
            [
                .flag(key: "json", letter: "j"), .word(key: "path", optional: false),
                .word(key: "property", optional: false), .restOfLine(key: "value", optional: false),
            ],
            synopsis: "[-j] path property value",
            help: "set QOM property.\n\t\t\t-j: the value is specified in json format.", handler: QOMCommands.set),
        HMPCommandSpec(
            "info", [.word(key: "item", optional: true)], synopsis: "[subcommand]",
            help: "show various information about the system state", subcommands: infoCommands,
            handler: HelpCommands.infoHelp),
    ]

    /// The subcommands of `info`.
    static let infoCommands: [HMPCommandSpec] = [
        HMPCommandSpec("version", help: "show the version of QEMU", handler: RunStateCommands.infoVersion),
        HMPCommandSpec(
            "status", help: "show the current VM status (running|paused)", handler: RunStateCommands.infoStatus),
        HMPCommandSpec("name", help: "show the current VM name", handler: RunStateCommands.infoName),
        HMPCommandSpec("migrate", help: "show migration status", handler: MigrationCommands.infoMigrate),
        HMPCommandSpec(
            "migrate_capabilities", help: "show current migration capabilities",
            handler: MigrationCommands.infoMigrateCapabilities),
        HMPCommandSpec(
            "migrate_parameters", help: "show current migration parameters",
            handler: MigrationCommands.infoMigrateParameters),
        HMPCommandSpec(
            "vfio", help: "show VFIO devices' migration state and progress", handler: MigrationCommands.infoVFIO),
    ]
}
