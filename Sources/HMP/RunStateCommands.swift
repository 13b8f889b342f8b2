import JSON

/// `stop`, `cont`, `quit`, `info status`, `info version`, `info name`.
enum RunStateCommands {
    static func stop(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        _ = try context.qmp("stop")
    }

    static func cont(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        _ = try context.qmp("cont")
    }

    static func quit(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        _ = try context.qmp("quit")
        context.followUp = .sessionEnded
    }

    /// `VM status: running`, `VM status: paused` or `VM status: paused (STATE)` (QEMU's `hmp_info_status`).
    static func infoStatus(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let status = try context.qmp("query-status")
        var text = "VM status: " + (status.flag("running") ? "running" : "paused")
        let state = status.text("status")
        if !status.flag("running") && state != "paused" { text += " (\(state))" }
        context.line(text)
    }

    /// `MAJOR.MINOR.MICROPACKAGE`, e.g. `10.0.0vmig 0.1.0` (QEMU's `hmp_info_version`).
    static func infoVersion(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        let version = try context.qmp("query-version")
        let qemu = version["qemu"] ?? .emptyObject
        context.line("\(qemu.unsigned("major")).\(qemu.unsigned("minor")).\(qemu.unsigned("micro"))\(version.text("package"))")
    }

    /// The VM's name, or nothing when it has none (QEMU's `hmp_info_name`).
    static func infoName(_ context: HMPCommandContext, _ arguments: HMPArguments) throws {
        if let name = try context.qmp("query-name")["name"]?.stringValue { context.line(name) }
    }
}
