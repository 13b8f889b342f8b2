/// QEMU's `ZeroPageDetection`: where zero pages are found (`multifd`: in the multifd send threads when multifd
/// is on, else in the migration thread; `legacy`: always in the migration thread; `none`: never).
public enum ZeroPageDetection: String, CaseIterable, Sendable, Equatable {
    case none, legacy, multifd

    /// The QAPI spelling.
    public var name: String { rawValue }
}
