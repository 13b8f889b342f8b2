/// A command as the schema declares it.
public struct QAPICommand: Sendable {
    /// The name clients put in `execute`.
    public let name: String
    /// The schema file that declares it, e.g. `migration.json`.
    public let file: String
    /// The QEMU (or `vmig`) version that introduced it, e.g. `0.14`.
    public let since: String
    /// The documentation text.
    public let doc: String
    /// Features such as `unstable`.
    public let features: [String]
    /// Whether `exec-oob` may run it.
    public let allowOOB: Bool
    /// Set by `"gen": false`: members beyond `arguments` are passed to the handler unchecked
    /// (`device_add` takes the device's properties this way).
    public let allowsExtraArguments: Bool
    /// The declared arguments, a named argument struct's base members first.
    public let arguments: [QAPIMember]
    /// The return type as the schema spells it (`MigrationInfo`, `[CommandInfo]`); nil when it returns `{}`.
    public let returns: String?
    /// Example exchanges, one line each (`-> {...}`, `<- {...}`).
    public let examples: [String]
    /// Index of the arguments' object type in the type table.
    let argumentType: Int
    /// Index of the return type (`q_empty` when the command returns `{}`).
    let returnType: Int

    /// Whether the command carries the `unstable` feature.
    public var isUnstable: Bool { features.contains("unstable") }
}
