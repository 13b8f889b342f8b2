import Glibc
import JSON
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization
import Testing
import VMigTesting

/// Many QMP clients at once while a migration with devices runs: every reply answers its own request, every
/// event reaches every client, and long-running commands cannot hold up the others. (The downtime with and
/// without this load is a benchmark figure, `vmig-bench devices --qmp-clients 64`, never asserted here.)
@Suite("QMP under load", .serialized)
struct QMPLoadTests {
    static let devices = ["vfio-pci,id=gpu0,x-state-size=8M,migration-events=on", "vfio-pci,id=nic0,x-state-size=2M"]

    /// What one load client saw.
    struct ClientRecord: Sendable {
        var replies = 0
        var mismatches: [String] = []
        var events: [JSONValue] = []
        var failure: String?
    }

    /// The stop flag and the records, shared by the client threads.
    final class SharedState: Sendable {
        let stop = Atomic<Bool>(false)
        let records = NIOLockedValueBox<[Int: ClientRecord]>([:])
    }

    @Test func sixtyFourClientsDuringAMigrationWithDevicesGetTheirOwnRepliesAndEveryEvent() throws {
        let pair = try DaemonPair(
            sourceArguments: Self.devices.flatMap { ["--device", $0] },
            destinationArguments: Self.devices.flatMap { ["--device", $0] })
        try pair.setCapabilities(["multifd": true, "events": true])
        try pair.setParameters(["multifd-channels": 2, "max-bandwidth": .integer(48 << 20)])
        let clients = try (0..<64).map { _ in try QMPTestClient(path: pair.source.socketPath) }
        let shared = SharedState()
        let threads = try clients.enumerated().map { index, client in
            try DedicatedThread.spawn {
                let record = Self.drive(client, index: index, until: shared)
                shared.records.withLockedValue { $0[index] = record }
            }
        }
        let info = try pair.migrate(to: pair.unixURI(), timeout: 120)
        #expect(info["status"] == "completed")
        shared.stop.store(true, ordering: .releasing)
        for thread in threads { thread.join() }
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ")

        // The reference: the events the pair's own source client (connected before all others) received.
        let reference = Self.comparable(try Self.eventsUntilCompleted(pair.src))
        #expect(reference.contains { $0["event"] == "MIGRATION" && $0["data"]?["status"] == "completed" })
        let all = shared.records.withLockedValue { $0 }
        #expect(all.count == 64)
        for (index, record) in all.sorted(by: { $0.key < $1.key }) {
            #expect(record.failure == nil, "client \(index): \(record.failure ?? "")")
            #expect(record.mismatches.isEmpty, "client \(index): replies to other requests: \(record.mismatches.prefix(3))")
            #expect(record.replies > 0, "client \(index) got no reply")
            #expect(Self.comparable(record.events) == reference, "client \(index) saw other events")
        }
    }

    /// A command that does not steer the migration, sent while the source VM is stopped for the switchover, waits
    /// until the switchover ended (as QEMU's monitor waits for its big lock), or at most the hold's bound.
    @Test func aCommandSentDuringTheSwitchoverIsAnsweredOnceItEnded() throws {
        let device = "vfio-pci,id=gpu0,x-state-size=8M,x-precopy=off"
        let pair = try DaemonPair(
            memory: "32M", sourceArguments: ["--device", device + ",x-read-bandwidth=32M"],
            destinationArguments: ["--device", device])
        // About 250 ms of stop-copy reads: allow them, so the switchover happens at once.
        try pair.setParameters(["downtime-limit": 10000])
        let other = try QMPTestClient(path: pair.source.socketPath)
        try pair.src.execute("migrate", ["uri": .string(try pair.listen(pair.unixURI()))])
        let seen = try pair.src.waitForMigrationStatus(["device", "completed", "failed"], timeout: 60, pollMicroseconds: 2_000)
        #expect(seen["status"] == "device", "the switchover was not seen: \(seen)")
        let asked = HostClock.monotonicSeconds
        let status = try other.execute("query-status")["status"]
        let waited = HostClock.monotonicSeconds - asked
        #expect(status == "postmigrate" || waited >= 0.9, "answered \(status ?? .null) after \(waited) s, during the switchover")
        let info = try pair.waitForStatus(pair.src, ["completed", "failed"])
        #expect(info["status"] == "completed")
        let (source, destination) = try pair.digests()
        #expect(source == destination, "digests differ")
    }

    @Test func digestsQueuedByManyClientsDoNotHoldUpMigrateCancel() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-lane")
        let daemon = try DaemonProcess.vmigd(in: directory, name: "vm", extraArguments: ["-m", "32M"])
        let digesters = try (0..<12).map { _ in try QMPTestClient(path: daemon.socketPath) }
        for client in digesters {
            try client.socket.write(String(repeating: #"{"execute": "x-query-digest"}"#, count: 3))
        }
        // Wait until digests are running, then see how many finish while one migrate_cancel is answered.
        var before = 0
        while before == 0 { before += try digesters.reduce(0) { $0 + (try Self.repliesAvailable($1.socket)) } }
        let control = try QMPTestClient(path: daemon.socketPath)
        try control.execute("migrate_cancel")
        let during = try digesters.reduce(0) { $0 + (try Self.repliesAvailable($1.socket)) }
        // Sharing the workers, migrate_cancel would wait behind about one digest per client (12 here).
        #expect(during < 4, "\(during) digests finished while migrate_cancel waited")
    }

    /// Reads what `socket` has ready without waiting and counts the reply lines in it.
    private static func repliesAvailable(_ socket: UnixSocket) throws -> Int {
        var count = 0
        while true {
            var descriptor = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 0) == 0 { return count }
            let bytes = try socket.read(timeout: 1)
            if bytes.isEmpty { return count }
            count += bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
    }

    /// Issues commands with ids of its own until `stop`, then reads until the final MIGRATION event arrived.
    private static func drive(_ client: QMPTestClient, index: Int, until shared: SharedState) -> ClientRecord {
        var record = ClientRecord()
        let commands = ["query-status", "query-migrate", "query-name", "x-query-vfio-migration"]
        var sequence = 0
        do {
            while !shared.stop.load(ordering: .acquiring) {
                let id = JSONValue.string("c\(index)-\(sequence)")
                let command = commands[sequence % commands.count]
                let reply = try client.send(["execute": .string(command), "id": id])
                if reply["id"] != id || reply["return"] == nil { record.mismatches.append("\(id): \(reply)") }
                record.replies += 1
                sequence += 1
            }
            record.events = try eventsUntilCompleted(client)
        } catch {
            record.failure = "\(error)"
        }
        return record
    }

    /// The events `client` received up to and including MIGRATION `completed`.
    private static func eventsUntilCompleted(_ client: QMPTestClient) throws -> [JSONValue] {
        let completed = try client.waitForEvent("MIGRATION", timeout: 60) { $0["data"]?["status"] == "completed" }
        return client.takeEvents() + [completed]
    }

    /// Events without their timestamps, in order.
    private static func comparable(_ events: [JSONValue]) -> [JSONValue] {
        events.map { event in
            var object = event.objectValue ?? [:]
            object["timestamp"] = nil
            return .object(object)
        }
    }
}
