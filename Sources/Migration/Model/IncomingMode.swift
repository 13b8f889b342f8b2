/// How the VM was started with respect to incoming migration (`--incoming`).
public enum IncomingMode: Sendable, Equatable {
    /// No `--incoming`: `migrate-incoming` is refused.
    case none
    /// `--incoming defer`: wait for `migrate-incoming`.
    case deferred
    /// `--incoming URI`: listen on URI at startup (call `MigrationEngine.listenFromCommandLine()`).
    case uri(String)
}
