/// An event as the schema declares it.
package struct QAPIEvent: Sendable {
    /// The name that appears in `{"event": NAME, ...}`.
    package let name: String
    /// The schema file that declares it.
    package let file: String
    /// The QEMU (or `vmig`) version that introduced it.
    package let since: String
    /// The documentation text.
    package let doc: String
    /// Features such as `unstable`.
    package let features: [String]
    /// The members of `data`, a named data struct's base members first.
    package let data: [QAPIMember]
    /// Example messages, one line each.
    package let examples: [String]
    /// Index of the data's object type in the type table (`q_empty` when the event has no data).
    let dataType: Int

    /// Whether the event carries the `unstable` feature.
    package var isUnstable: Bool { features.contains("unstable") }
}
