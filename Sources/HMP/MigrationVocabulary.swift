/// The names of QAPI enums HMP commands check before calling QMP (QEMU's `qapi_enum_parse`).
enum MigrationVocabulary {
    /// `MigrationCapability`, in QEMU's order.
    static let capabilities = [
        "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "events", "postcopy-ram", "x-colo", "release-ram",
        "return-path", "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime",
        "late-block-activate", "x-ignore-shared", "validate-uuid", "background-snapshot", "zero-copy-send",
        "postcopy-preempt", "switchover-ack", "dirty-limit", "mapped-ram",
    ]

    /// `MigrationStatus`, in QEMU's order.
    static let statuses = [
        "none", "setup", "cancelling", "cancelled", "active", "postcopy-active", "postcopy-paused",
        "postcopy-recover-setup", "postcopy-recover", "completed", "failed", "colo", "pre-switchover", "device",
        "wait-unplug",
    ]

    /// The statuses in which a migration is still going on (the client keeps waiting).
    static let ongoingStatuses: Set<String> = [
        "setup", "cancelling", "active", "postcopy-active", "postcopy-paused", "postcopy-recover-setup",
        "postcopy-recover", "pre-switchover", "device", "wait-unplug", "colo",
    ]
}
