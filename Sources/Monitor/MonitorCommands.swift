import JSON
import Machine
import QMP

/// The control and run-state commands of `vmigd`: everything that is not migration or devices.
package struct MonitorCommands: Sendable {
    /// The machine whose run state the commands report and change.
    package let machine: Machine
    /// What `query-version` and the greeting report.
    package let version: QMPVersion
    /// The schema behind `query-qmp-schema`.
    package let schema: any QMPCommandSchema

    /// The commands over `machine`; `quit` shuts it down after the reply to `quit` was written.
    package init(machine: Machine, version: QMPVersion, schema: any QMPCommandSchema) {
        self.machine = machine
        self.version = version
        self.schema = schema
    }

    /// The commands, given the full set of implemented command names (for `query-commands`).
    package func commands(implemented: @escaping @Sendable () -> [String]) -> [QMPCommand] {
        let machine = self.machine
        let vm = machine.vm
        let version = self.version
        let schema = self.schema
        return [
            QMPCommand("query-version") { _ in version.json },
            QMPCommand("query-commands") { _ in
                .array(implemented().map { ["name": .string($0)] })
            },
            QMPCommand("query-qmp-schema") { _ in
                schema.introspection(implementedCommands: Set(implemented()))
            },
            QMPCommand("query-name") { _ in
                vm.name.map { ["name": .string($0)] } ?? .emptyObject
            },
            QMPCommand("query-status") { _ in
                let state = vm.runState
                return ["status": .string(state.rawValue), "running": .bool(state == .running)]
            },
            QMPCommand("stop") { _ in
                if vm.runState == .inmigrate { vm.autostart = false } else { vm.stop() }
                return .emptyObject
            },
            QMPCommand("cont") { _ in
                if vm.runState == .inmigrate { vm.autostart = true } else { vm.resume() }
                return .emptyObject
            },
            QMPCommand("quit", returning: { _ in QMPReturn(.emptyObject, afterReply: { machine.quit() }) }),
        ]
    }
}
