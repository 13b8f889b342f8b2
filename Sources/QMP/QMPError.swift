/// An error reply: QEMU's error class and a human-readable description.
package struct QMPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// QEMU's error classes (`ErrorClass` in qapi/error.json).
    package enum ErrorClass: String, Sendable {
        case genericError = "GenericError"
        case commandNotFound = "CommandNotFound"
        case deviceNotActive = "DeviceNotActive"
        case deviceNotFound = "DeviceNotFound"
        case kvmMissingCap = "KVMMissingCap"
    }

    /// The error's class.
    package var errorClass: ErrorClass
    /// The human-readable description (`desc`).
    package var desc: String

    /// An error of `errorClass` with `desc`.
    package init(_ errorClass: ErrorClass = .genericError, _ desc: String) {
        self.errorClass = errorClass
        self.desc = desc
    }

    /// A `GenericError` with the given description.
    package static func generic(_ desc: String) -> QMPError { QMPError(.genericError, desc) }

    /// `CLASS: desc`.
    package var description: String { "\(errorClass.rawValue): \(desc)" }
}
