import ArgumentParser

/// `vmig`: the HMP-style client of vmigd, and `vmig demo`.
@main
struct VMig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmig",
        abstract: "HMP-style client for vmigd: QEMU's monitor commands on top of QMP, live migration progress, and the demo.",
        usage: """
            vmig -s <socket> [--dest-socket <socket>] [<command> ...]
            vmig demo [--memory <size>] [--devices <sizes>] [--channels <n>] [--no-multifd] [--dry-run]
            vmig analyze [--json] [--records] [--packets] [--dump-memory <dir>] <file> ...
            vmig tap --listen <socket> --connect <socket> --dir <dir> [--exit-after <n>]
            """,
        version: "vmig 0.1.0",
        subcommands: [MonitorCommand.self, DemoCommand.self, AnalyzeCommand.self, TapCommand.self],
        defaultSubcommand: MonitorCommand.self)
}
