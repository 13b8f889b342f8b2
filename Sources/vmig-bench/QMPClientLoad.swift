import Glibc
import JSON
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization
import VMigTesting

/// Clients that keep a daemon's monitor busy: each sends `query-status` and `query-migrate` in turn, reading
/// every reply and the events in between, back to back or with a pause between commands (a management
/// application polling a job), until stopped. For benchmarks that compare a figure with and
/// without QMP load.
final class QMPClientLoad: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let replies = Atomic<Int>(0)
    private let threads = NIOLockedValueBox<[DedicatedThread]>([])

    private let intervalMicroseconds: UInt32

    /// Connects `count` clients to `socketPath` and starts them; each waits `intervalMilliseconds` after a reply.
    init(count: Int, socketPath: String, intervalMilliseconds: Int = 0) throws {
        intervalMicroseconds = UInt32(clamping: intervalMilliseconds * 1000)
        let clients = try (0..<count).map { _ in try QMPTestClient(path: socketPath) }
        for client in clients {
            let thread = try DedicatedThread.spawn { [self] in self.drive(client) }
            threads.withLockedValue { $0.append(thread) }
        }
    }

    private func drive(_ client: QMPTestClient) {
        var sequence = 0
        while !stopFlag.load(ordering: .acquiring) {
            let command = sequence % 2 == 0 ? "query-status" : "query-migrate"
            guard (try? client.send(["execute": .string(command), "id": .integer(sequence)])) != nil else { return }
            _ = client.takeEvents()
            replies.add(1, ordering: .relaxed)
            sequence += 1
            if intervalMicroseconds > 0 { usleep(intervalMicroseconds) }
        }
    }

    /// Stops the clients and returns how many replies they received.
    func stop() -> Int {
        stopFlag.store(true, ordering: .releasing)
        for thread in threads.withLockedValue({ $0 }) { thread.join() }
        return replies.load(ordering: .relaxed)
    }
}
