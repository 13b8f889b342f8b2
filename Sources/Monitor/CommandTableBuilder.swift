import HMP
import Machine
import QMP
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Assembles the daemon's command table from every command group.
package enum CommandTableBuilder {
    /// Every command over `machine`.
    package static func build(machine: Machine, version: QMPVersion, schema: any QMPCommandSchema) -> QMPCommandTable {
        build(
            monitor: MonitorCommands(machine: machine, version: version, schema: schema),
            migration: MigrationCommands(machine: machine), devices: DeviceCommands(machine: machine))
    }

    /// Builds the table; `query-commands` and `query-qmp-schema` report exactly what it holds.
    package static func build(
        monitor: MonitorCommands, migration: MigrationCommands, devices: DeviceCommands
    ) -> QMPCommandTable {
        let names = CommandNameList()
        var table = QMPCommandTable()
        table.register(monitor.commands(implemented: { names.names }))
        table.register(migration.commands)
        table.register(devices.commands)
        let caller = InProcessQMPCaller(schema: monitor.schema)
        table.register(
            QMPCommand("human-monitor-command", execution: .worker) { arguments in
                let line = arguments["command-line"]?.stringValue ?? ""
                return .string(try HMPInterpreter(caller: caller).humanMonitorCommand(line))
            })
        caller.install(table)
        names.names = ["qmp_capabilities"] + table.names
        return table
    }
}

/// The implemented command names, filled in once the table is complete.
final class CommandNameList: Sendable {
    private let storage = NIOLockedValueBox<[String]>([])

    var names: [String] {
        get { storage.withLockedValue { $0 } }
        set { storage.withLockedValue { $0 = newValue } }
    }
}
