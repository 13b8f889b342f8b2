import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Monitor

/// Lets the VM's run-state callback reach the host created after it.
final class HostReference: Sendable {
    private let storage = NIOLockedValueBox<VMHost?>(nil)

    var host: VMHost? {
        get { storage.withLockedValue { $0 } }
        set { storage.withLockedValue { $0 = newValue } }
    }
}
