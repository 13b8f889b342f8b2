/// Every event name vmigd emits; the schema coverage test checks each against the schema, and the event hub
/// checks every emitted instance at run time.
public enum EmittedEvents {
    public static let all = [
        "STOP", "RESUME", "SHUTDOWN", "MIGRATION", "MIGRATION_PASS", "DEVICE_DELETED", "VFIO_MIGRATION",
        "VFIO_MIGRATION_PROGRESS",
    ]
}
