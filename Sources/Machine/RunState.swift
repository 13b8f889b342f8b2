/// QEMU's run states (qapi `RunState`); vmig reaches the ones a migrating VM passes through.
package enum RunState: String, Sendable, CaseIterable {
    case debug, inmigrate
    case internalError = "internal-error"
    case ioError = "io-error"
    case paused, postmigrate, prelaunch
    case finishMigrate = "finish-migrate"
    case restoreVM = "restore-vm"
    case running
    case saveVM = "save-vm"
    case shutdown, suspended, watchdog
    case guestPanicked = "guest-panicked"
    case colo
}
