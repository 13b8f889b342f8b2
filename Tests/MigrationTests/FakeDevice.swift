import Foundation
import Migration
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// A device built on the handler seam the way VFIO will use it: a small START/END payload on the main stream,
/// and its stop-copy data either queued on multifd from `saveCompleteThread` (idx-prefixed packets that the
/// destination reorders) or, without multifd, inside its END section.
final class FakeDevice: SaveStateHandler {
    let idstr: String
    let isIterable = true
    let chunks: [[UInt8]]
    private let received = NIOLockedValueBox<[Int: [UInt8]]>([:])
    private let multifdLoad = Atomic<Bool>(false)
    let switchoverStarted = Atomic<Bool>(false)
    let sectionsLoaded = NIOLockedValueBox<[SectionKind]>([])
    private let needsAck: Bool
    private let context = NIOLockedValueBox<LoadContext?>(nil)

    init(idstr: String = "0000:00:05.0/vfio", chunkCount: Int = 6, chunkSize: Int = 100_000, needsAck: Bool = false) {
        self.idstr = idstr
        self.needsAck = needsAck
        chunks = (0..<chunkCount).map { index in
            (0..<chunkSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        }
    }

    // Source
    func saveSetup(_ context: SaveContext) throws {
        try context.put32(0xFEED)
    }

    var hasSaveCompleteThread: Bool { true }

    func saveCompleteThread(_ context: SaveThreadContext) throws {
        guard let multifd = context.multifd else { return }
        for (index, chunk) in chunks.enumerated() {
            guard !context.isAborted else { throw MigrationError("operation cancelled") }
            try multifd.queueDeviceState(idstr: idstr, instanceID: 0, payload: FakeDevice.be32(UInt32(index)) + chunk)
        }
    }

    func saveComplete(_ context: SaveContext) throws {
        try context.put32(context.multifd == nil ? UInt32(chunks.count) : 0)
        if context.multifd == nil {
            for chunk in chunks {
                try context.put32(UInt32(chunk.count))
                try context.putBytes(chunk)
            }
        }
    }

    // Destination
    func loadSetup(_ context: LoadContext) throws {
        multifdLoad.store(context.multifdEnabled, ordering: .relaxed)
        self.context.withLockedValue { $0 = context }
        if needsAck {
            DispatchThread.after(milliseconds: 100) { context.approveSwitchover() }
        }
    }

    var switchoverAckNeeded: Bool { needsAck }

    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        sectionsLoaded.withLockedValue { $0.append(kind) }
        switch kind {
        case .start:
            guard try stream.get32() == 0xFEED else { throw MigrationError("\(idstr): bad setup marker") }
        case .end:
            let count = Int(try stream.get32())
            for index in 0..<count {
                let length = Int(try stream.get32())
                let data = try stream.getBytes(length, limit: 1 << 20)
                received.withLockedValue { $0[index] = data }
            }
        default:
            break
        }
    }

    var hasLoadStateBuffer: Bool { true }

    func loadStateBuffer(_ data: [UInt8]) throws {
        guard data.count >= 4 else { throw MigrationError("\(idstr): packet too short at \(data.count) (min is 4)") }
        let index = Int(data[0..<4].reduce(0) { $0 << 8 | UInt32($1) })
        try received.withLockedValue { table in
            guard table[index] == nil else { throw MigrationError("\(idstr): state buffer \(index) already filled") }
            table[index] = Array(data[4...])
        }
    }

    func switchoverStart() throws {
        switchoverStarted.store(true, ordering: .relaxed)
    }

    func loadComplete() throws {
        let deadline = Date().addingTimeInterval(10)
        while received.withLockedValue({ $0.count }) < chunks.count && Date() < deadline {
            usleep(1000)
        }
        guard received.withLockedValue({ $0.count }) == chunks.count else {
            throw MigrationError("\(idstr): missing device state")
        }
    }

    /// True when the destination holds exactly the source's chunks.
    func matches(_ source: FakeDevice) -> Bool {
        let table = received.withLockedValue { $0 }
        return (0..<source.chunks.count).allSatisfy { table[$0] == source.chunks[$0] }
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) }
    }
}

/// Runs a closure later on a fresh thread.
enum DispatchThread {
    static func after(milliseconds: Int, _ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread {
            usleep(UInt32(milliseconds * 1000))
            body()
        }
    }
}

/// A raw client that writes arbitrary bytes to a listening migration socket.
enum RawClient {
    private static let open = NIOLockedValueBox<[SocketConnection]>([])

    /// Keeps a connection open (dropping it would close it and end the stream early).
    static func keep(_ connection: SocketConnection) {
        open.withLockedValue { $0.append(connection) }
    }

    /// Closes every kept connection.
    static func releaseAll() {
        open.withLockedValue { $0.removeAll() }
    }

    static func connect(_ path: String) throws -> SocketConnection {
        SocketConnection.adopt(fd: try UnixSocketConnector.connect(to: path))
    }

    /// QEVM header + configuration record of an engine with these settings.
    static func streamStart(multifd: Bool, channels: UInt8 = 2) -> [UInt8] {
        var capabilities = MigrationCapabilities()
        capabilities[.multifd] = multifd
        var parameters = MigrationParameters()
        parameters.multifdChannels = channels
        return [0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 3]
            + StreamConfiguration(capabilities: capabilities, parameters: parameters).encode()
    }
}
