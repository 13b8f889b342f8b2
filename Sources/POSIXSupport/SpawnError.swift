import Glibc

/// Why `posix_spawn` could not start a program.
public struct SpawnError: Error, CustomStringConvertible {
    /// The program that did not start.
    public let executable: String
    /// The error number `posix_spawn` returned.
    public let code: Int32

    /// The system's text for ``code`` (`No such file or directory`).
    public var reason: String { String(cString: strerror(code)) }

    /// `cannot start EXECUTABLE: REASON`.
    public var description: String { "cannot start \(executable): \(reason)" }
}
