import Migration
import VFIO

/// Turns the VFIO module's errors into the engine's at the handler boundary, keeping exactly QEMU's message
/// (the `detail` of a `VFIOError` is diagnostics QEMU would print separately, not part of `error-desc`).
enum VFIOErrorBridge {
    /// Runs `body`, rethrowing a `VFIOError` as a `MigrationError` with the same message.
    static func run<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as VFIOError {
            throw MigrationError(error.message)
        }
    }
}
