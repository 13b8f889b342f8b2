/// An error reply: QEMU's error class and a human-readable description.
public struct QMPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// QEMU's error classes (`ErrorClass` in qapi/error.json).
    public enum ErrorClass: String, Sendable {
        case genericError = "GenericError"
        case commandNotFound = "CommandNotFound"
        case deviceNotActive = "DeviceNotActive"
        case deviceNotFound = "DeviceNotFound"
        case kvmMissingCap = "KVMMissingCap"
    }

    /// The error's class.
    public var errorClass: ErrorClass
    /// The human-readable description (`desc`).
    public var desc: String

    /// An error of `errorClass` with `desc`.
    public init(_ errorClass: ErrorClass = .genericError, _ desc: String) {
        self.errorClass = errorClass
        self.desc = desc
    }

    /// A `GenericError` with the given description.
    public static func generic(_ desc: String) -> QMPError { QMPError(.genericError, desc) }

    /// `CLASS: desc`.
    public var description: String { "\(errorClass.rawValue): \(desc)" }
}
