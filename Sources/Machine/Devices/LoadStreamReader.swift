import Migration
import QEMUFormats

/// Reads a VFIO section payload from the engine's main stream through a `LoadStream`.
struct LoadStreamReader: BigEndianReader {
    /// The section being read.
    let stream: LoadStream

    /// Fills `buffer` from the stream; throws at its end.
    func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
        try stream.read(into: buffer)
    }
}
