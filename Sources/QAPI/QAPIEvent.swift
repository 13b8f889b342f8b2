/// An event as the schema declares it.
public struct QAPIEvent: Sendable {
    /// The name that appears in `{"event": NAME, ...}`.
    public let name: String
    /// The schema file that declares it.
    public let file: String
    /// The QEMU (or `vmig`) version that introduced it.
    public let since: String
    /// The documentation text.
    public let doc: String
    /// Features such as `unstable`.
    public let features: [String]
    /// The members of `data`, a named data struct's base members first.
    public let data: [QAPIMember]
    /// Example messages, one line each.
    public let examples: [String]
    /// Index of the data's object type in the type table (`q_empty` when the event has no data).
    let dataType: Int

    /// Whether the event carries the `unstable` feature.
    public var isUnstable: Bool { features.contains("unstable") }
}
