import Synchronization
import Monitor

/// Lets the VM's run-state callback reach the host created after it.
final class HostReference: Sendable {
    private let storage = Mutex<VMHost?>(nil)

    var host: VMHost? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
