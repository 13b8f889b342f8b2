/// Everything `vmig demo` will do, decided before anything runs: the two vmigd command lines and the HMP
/// commands for each side. `--dry-run` prints it.
struct DemoPlan {
    /// Which VM a step talks to.
    enum Side: String {
        case source = "src"
        case destination = "dst"
    }

    let settings: DemoSettings
    /// The vmigd binary.
    let vmigd: String
    /// The directory holding the sockets and logs.
    let directory: String

    var sourceSocket: String { directory + "/src.qmp" }
    var destinationSocket: String { directory + "/dst.qmp" }
    var migrationURI: String { "unix:" + directory + "/migration.sock" }

    /// The destination's arguments: waits for `migrate-incoming`, RAM zero-filled as a fresh VM's.
    var destinationArguments: [String] {
        ["--name", "demo-dst", "--qmp", "unix:" + destinationSocket, "-m", SizeText.canonical(settings.memory),
         "--incoming", "defer"] + deviceArguments + lifetimeArguments
    }

    /// The source's arguments: random RAM contents and a workload dirtying it.
    var sourceArguments: [String] {
        ["--name", "demo-src", "--qmp", "unix:" + sourceSocket, "-m", SizeText.canonical(settings.memory),
         "--memory-fill", "random", "--dirty-rate", SizeText.canonical(settings.dirtyRate)] + deviceArguments
            + lifetimeArguments
    }

    /// A demo killed outright (SIGKILL, a closed terminal) leaves no daemon behind.
    private var lifetimeArguments: [String] { ["--exit-with-parent"] }

    private var deviceArguments: [String] {
        let bandwidth = SizeText.canonical(settings.deviceBandwidth)
        return zip(settings.deviceIDs, settings.deviceSizes).flatMap { id, size in
            ["--device", "vfio-pci,id=\(id),x-state-size=\(SizeText.canonical(size)),x-read-bandwidth=\(bandwidth),x-write-bandwidth=\(bandwidth)"]
        }
    }

    /// The capability and parameter commands both sides get.
    private var commonSetup: [String] {
        var lines = ["migrate_set_capability events on"]
        if settings.multifd {
            lines += ["migrate_set_capability multifd on", "migrate_set_parameter multifd-channels \(settings.channels)"]
        }
        return lines
    }

    /// Before the migration: the destination stays paused afterwards (`stop` while incoming) so the digests
    /// compare a still image, then listens.
    var destinationSetup: [String] { commonSetup + ["stop", "migrate_incoming \(migrationURI)"] }

    /// Before the migration on the source.
    var sourceSetup: [String] {
        commonSetup + ["migrate_set_parameter max-bandwidth \(SizeText.canonical(settings.maxBandwidth))"]
    }

    /// The migration itself, watched with live progress.
    var migrateCommand: String { "migrate \(migrationURI)" }

    /// After a completed migration.
    var epilogue: [(Side, String)] {
        [(.destination, "info status"), (.destination, "cont"), (.destination, "info status"), (.source, "info status")]
    }

    /// How the demo ends.
    var shutdown: [(Side, String)] { [(.source, "quit"), (.destination, "quit")] }

    /// The whole plan as text, for `--dry-run`.
    var script: String {
        var lines = [
            "# vmig demo: \(settings.description)", "# scratch directory: \(directory)",
            "destination: " + ([vmigd] + destinationArguments).map(ShellQuoting.quote).joined(separator: " "),
            "source: " + ([vmigd] + sourceArguments).map(ShellQuoting.quote).joined(separator: " "),
        ]
        lines += destinationSetup.map { "(dst) " + $0 } + sourceSetup.map { "(src) " + $0 }
        lines.append("(src) " + migrateCommand)
        lines += (epilogue + shutdown).map { "(\($0.0.rawValue)) \($0.1)" }
        return lines.map { $0 + "\n" }.joined()
    }
}
