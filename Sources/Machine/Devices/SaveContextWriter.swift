import Migration
import QEMUFormats

/// Writes a VFIO section payload into the engine's main stream through a `SaveContext`.
struct SaveContextWriter: BigEndianWriter {
    /// The section being written.
    let context: SaveContext

    /// Appends `bytes` to the section payload.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try context.putBytes(bytes)
    }
}
