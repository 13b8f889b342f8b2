import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// Live statistics of one outgoing migration, updated by the migration and multifd threads and read by `info()`.
final class MigrationCounters: Sendable {
    /// Bytes put on the main stream.
    let mainBytes = ByteCounter()
    /// Bytes written on multifd channels (hello, headers, page data, device state).
    let multifdBytes = ByteCounter()
    /// Bytes of the records and packets that carry guest pages, on any channel: main-stream page records (header,
    /// block name, page data or the zero byte) and multifd RAM packets (header, offsets, page data). Not the
    /// section framing, SYNC packets or device state. Split into precopy and downtime bytes at the stop.
    let ramBytes = ByteCounter()
    let normalPages = Atomic<UInt64>(0)
    let zeroPages = Atomic<UInt64>(0)
    let dirtySyncCount = Atomic<UInt64>(0)
    /// Dirty pages not yet sent (RAM's migration bitmap).
    let remainingPages = Atomic<UInt64>(0)
    let dirtyPagesRate = Atomic<UInt64>(0)
    /// Dirty bytes found by the last sync (for the expected downtime).
    let dirtyBytesLastSync = Atomic<UInt64>(0)
    /// Pages the guest dirtied, as found by all syncs so far (auto-converge's measure).
    let dirtiedPages = Atomic<UInt64>(0)
    /// The auto-converge throttle now in force (0 = none; `cpu-throttle-percentage`).
    let throttlePercentage = Atomic<UInt64>(0)
    /// Values derived once per 100 ms window and at the end.
    let derived = NIOLockedValueBox(Derived())

    /// Window-derived and lifecycle values.
    struct Derived {
        var mbps: Double = 0
        var pagesPerSecond: UInt64 = 0
        var expectedDowntime: UInt64 = 0
        var setupTime: UInt64 = 0
        var totalTime: UInt64?
        var downtime: UInt64?
        /// `ramBytes` when the VM stopped (the precopy bytes); nil while running.
        var ramBytesAtStop: UInt64?
        /// The latest downtime prediction (from the last dirty sync).
        var prediction: DowntimePrediction?
    }

    /// Bytes sent on all channels.
    var transferred: UInt64 {
        mainBytes.value &+ multifdBytes.value
    }

    /// The VM stopped for the switchover: RAM bytes from now on are downtime bytes.
    func markVMStopped() {
        let sent = ramBytes.value
        derived.withLockedValue { $0.ramBytesAtStop = sent }
    }

    func addPages(normal: Int, zero: Int) {
        if normal > 0 { normalPages.wrappingAdd(UInt64(normal), ordering: .relaxed) }
        if zero > 0 { zeroPages.wrappingAdd(UInt64(zero), ordering: .relaxed) }
    }

    /// The `ram` member of `query-migrate`.
    func ramStatistics(total: Int, completed: Bool) -> RAMStatistics {
        let values = derived.withLockedValue { $0 }
        var ram = RAMStatistics()
        ram.transferred = transferred
        ram.total = UInt64(total)
        ram.duplicate = zeroPages.load(ordering: .relaxed)
        ram.normal = normalPages.load(ordering: .relaxed)
        ram.normalBytes = ram.normal &* UInt64(GuestMemory.pageSize)
        ram.mbps = values.mbps
        ram.dirtySyncCount = dirtySyncCount.load(ordering: .relaxed)
        ram.multifdBytes = multifdBytes.value
        ram.pagesPerSecond = values.pagesPerSecond
        // QEMU's `ram_transferred_add`: RAM bytes sent while the VM ran are precopy bytes, the rest downtime bytes.
        let ramSent = ramBytes.value
        if let atStop = values.ramBytesAtStop {
            ram.precopyBytes = atStop
            ram.downtimeBytes = ramSent &- atStop
        } else {
            ram.precopyBytes = ramSent
        }
        if !completed {
            ram.remaining = remainingPages.load(ordering: .relaxed) &* UInt64(GuestMemory.pageSize)
            ram.dirtyPagesRate = dirtyPagesRate.load(ordering: .relaxed)
        }
        return ram
    }
}
