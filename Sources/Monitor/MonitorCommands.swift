import JSON
import QMP

/// The control and run-state commands of `vmigd`: everything that is not migration or devices.
public struct MonitorCommands: Sendable {
    /// The VM whose run state the commands report and change.
    public let vm: VirtualMachine
    /// What `query-version` and the greeting report.
    public let version: QMPVersion
    /// The schema behind `query-qmp-schema`.
    public let schema: any QMPCommandSchema
    /// Called after `quit` has been answered.
    public let quit: @Sendable () -> Void

    /// The commands; `quit` runs after the reply to `quit` was written.
    public init(vm: VirtualMachine, version: QMPVersion, schema: any QMPCommandSchema, quit: @escaping @Sendable () -> Void) {
        self.vm = vm
        self.version = version
        self.schema = schema
        self.quit = quit
    }

    /// The commands, given the full set of implemented command names (for `query-commands`).
    public func commands(implemented: @escaping @Sendable () -> [String]) -> [QMPCommand] {
        let vm = self.vm
        let version = self.version
        let schema = self.schema
        let quit = self.quit
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
            QMPCommand("quit", returning: { _ in QMPReturn(.emptyObject, afterReply: quit) }),
        ]
    }
}
