import QEMUFormats

extension ByteArrayReader {
    /// A reader over a small record of the migration stream (hello, return-path message); reading past its end
    /// fails the migration with `Truncated record: …`.
    init(record bytes: [UInt8]) {
        self.init(bytes) { wanted, left in MigrationError("Truncated record: needed \(wanted) bytes, \(left) left") }
    }
}
