import Logging

/// The engine's log (label `vmig.migration`): one line per status change (info) and per failed or refused
/// migration (error). The process owning the engine chooses where it goes (`LoggingSystem.bootstrap`).
let migrationLog = Logger(label: "vmig.migration")
