import Glibc
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization
import POSIXSupport

/// One multifd send channel: a socket, the slot it owns, and the flags/semaphores of QEMU's `MultiFDSendParams`.
final class MultiFDSendChannel: Sendable {
    let id: UInt8
    let connection: SocketConnection
    /// The slot being sent (owned by the channel thread while `pendingJob` is true).
    let slot = NIOLockedValueBox(MultiFDSendSlot())
    let pendingJob = Atomic<Bool>(false)
    let pendingSync = Atomic<Bool>(false)
    /// Posted to wake the thread for a job or a sync.
    let wake = Semaphore()
    /// Posted by the thread once its SYNC packet is written.
    let syncDone = Semaphore()

    init(id: UInt8, connection: SocketConnection) {
        self.id = id
        self.connection = connection
    }
}
