/// Every event name vmigd emits; the schema coverage test checks each against the schema, and the event hub
/// checks every emitted instance at run time.
package enum EmittedEvents {
    /// The event names, as the schema declares them.
    package static let all = [
        "STOP", "RESUME", "SHUTDOWN", "MIGRATION", "MIGRATION_PASS", "DEVICE_DELETED", "VFIO_MIGRATION",
        "VFIO_MIGRATION_PROGRESS",
    ]
}
