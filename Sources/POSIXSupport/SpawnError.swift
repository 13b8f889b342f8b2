import Glibc

/// Why `posix_spawn` could not start a program.
package struct SpawnError: Error, CustomStringConvertible {
    /// The program that did not start.
    package let executable: String
    /// The error number `posix_spawn` returned.
    package let code: Int32

    /// The system's text for ``code`` (`No such file or directory`).
    package var reason: String { String(cString: strerror(code)) }

    /// `cannot start EXECUTABLE: REASON`.
    package var description: String { "cannot start \(executable): \(reason)" }
}
