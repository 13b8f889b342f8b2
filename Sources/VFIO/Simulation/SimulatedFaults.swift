/// Faults armed on a simulated device; each fires once.
struct SimulatedFaults {
    /// Reads deliver `remaining` more bytes, then one read fails with `errno`.
    var readFailure: (remaining: UInt64, errno: Int32)?
    /// Writes accept `remaining` more bytes, then one write fails with `errno`.
    var writeFailure: (remaining: UInt64, errno: Int32)?
    /// The arc into `state` fails with `errno` and leaves the device in ERROR.
    var transitionFailure: (state: VFIODeviceState, errno: Int32)?

    /// The byte limit for the next read of at most `wanted` bytes; throws when the read fault fires.
    mutating func admitRead(_ wanted: Int) throws(VFIOBackendError) -> Int {
        guard let failure = readFailure else { return wanted }
        guard failure.remaining > 0 else {
            readFailure = nil
            throw VFIOBackendError(errno: failure.errno, operation: "read")
        }
        return Int(min(UInt64(wanted), failure.remaining))
    }

    /// Records `count` bytes read.
    mutating func didRead(_ count: Int) {
        readFailure?.remaining -= UInt64(count)
    }

    /// The byte limit for the next write of `offered` bytes; throws when the write fault fires.
    mutating func admitWrite(_ offered: Int) throws(VFIOBackendError) -> Int {
        guard let failure = writeFailure else { return offered }
        guard failure.remaining > 0 else {
            writeFailure = nil
            throw VFIOBackendError(errno: failure.errno, operation: "write")
        }
        return Int(min(UInt64(offered), failure.remaining))
    }

    /// Records `count` bytes written.
    mutating func didWrite(_ count: Int) {
        writeFailure?.remaining -= UInt64(count)
    }

    /// Throws (once) if the arc into `state` is armed to fail.
    mutating func checkTransition(into state: VFIODeviceState) throws(VFIOBackendError) {
        guard let failure = transitionFailure, failure.state == state else { return }
        transitionFailure = nil
        throw VFIOBackendError(errno: failure.errno, operation: "set device state \(state)")
    }
}
