/// An error of the VFIO migration code, carrying the message QEMU would report
/// (e.g. `gpu0: packet index is invalid`).
package struct VFIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The complete human-readable message.
    package var message: String
    /// An optional further explanation (QEMU prints such details with `error_report`).
    package var detail: String?

    /// Creates an error with a message and an optional detail.
    package init(_ message: String, detail: String? = nil) {
        self.message = message
        self.detail = detail
    }

    /// The message QEMU uses when a thread sees the abort flag: `operation cancelled`.
    package static let cancelled = VFIOError("operation cancelled")

    /// The message, followed by the detail when there is one.
    package var description: String {
        guard let detail else { return message }
        return "\(message) (\(detail))"
    }
}
