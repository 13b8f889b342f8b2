/// A command as the schema declares it.
package struct QAPICommand: Sendable {
    /// The name clients put in `execute`.
    package let name: String
    /// The schema file that declares it, e.g. `migration.json`.
    package let file: String
    /// The QEMU (or `vmig`) version that introduced it, e.g. `0.14`.
    package let since: String
    /// The documentation text.
    package let doc: String
    /// Features such as `unstable`.
    package let features: [String]
    /// Whether `exec-oob` may run it.
    package let allowOOB: Bool
    /// Set by `"gen": false`: members beyond `arguments` are passed to the handler unchecked
    /// (`device_add` takes the device's properties this way).
    package let allowsExtraArguments: Bool
    /// The declared arguments, a named argument struct's base members first.
    package let arguments: [QAPIMember]
    /// The return type as the schema spells it (`MigrationInfo`, `[CommandInfo]`); nil when it returns `{}`.
    package let returns: String?
    /// Example exchanges, one line each (`-> {...}`, `<- {...}`).
    package let examples: [String]
    /// Index of the arguments' object type in the type table.
    let argumentType: Int
    /// Index of the return type (`q_empty` when the command returns `{}`).
    let returnType: Int

    /// Whether the command carries the `unstable` feature.
    package var isUnstable: Bool { features.contains("unstable") }
}
