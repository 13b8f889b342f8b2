import Glibc
import Synchronization

/// Counts bytes put on one channel (read by other threads for statistics and rate limiting).
final class ByteCounter: Sendable {
    private let bytes = Atomic<UInt64>(0)

    func add(_ count: Int) {
        bytes.wrappingAdd(UInt64(count), ordering: .relaxed)
    }

    var value: UInt64 {
        bytes.load(ordering: .relaxed)
    }
}
