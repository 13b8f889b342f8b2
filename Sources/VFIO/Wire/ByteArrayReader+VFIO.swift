import QEMUFormats

extension ByteArrayReader {
    /// A reader over device state in memory (a multifd packet's data, a test's stream); reading past its end
    /// throws `VFIOError` (`unexpected end of stream: …`).
    package init(deviceState bytes: [UInt8]) {
        self.init(bytes) { wanted, left in
            VFIOError("unexpected end of stream: \(wanted) bytes wanted, \(left) left")
        }
    }
}
