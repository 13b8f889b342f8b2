import Machine
import NIOPosix
import QMP
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// The QMP monitors of one machine: its commands served on Unix sockets, its events sent to every client.
///
/// Made before the machine, so the machine can be given ``eventSink`` as it is built; ``serve(_:unixPaths:)``
/// then opens the sockets.
package final class QMPMonitor: Sendable {
    /// What `query-version` and the greeting report.
    package static let version = QMPVersion(major: 10, minor: 0, micro: 0, package: "vmig 0.1.0")

    private let schema = QAPICommandSchema()
    private let events: QMPEventHub
    private let configuration: QMPServer.Configuration
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let threadPool = NIOThreadPool(numberOfThreads: 2)
    private let server = NIOLockedValueBox<QMPServer?>(nil)

    /// A monitor whose clients may leave `configuration.maxUnsentBytes` unread.
    package init(configuration: QMPServer.Configuration = QMPServer.Configuration()) {
        self.configuration = configuration
        events = QMPEventHub(validator: schema.eventValidator)
    }

    /// Where the machine sends what it announces: each event goes to the clients as its QMP event, and a
    /// switchover holds their commands while it runs (``QMPServer/switchoverBegan()``).
    package var eventSink: @Sendable (MachineEvent) -> Void {
        let events = self.events
        let server = self.server
        return { event in
            if case .switchover(let began) = event, let server = server.withLockedValue({ $0 }) {
                if began { server.switchoverBegan() } else { server.switchoverEnded() }
            }
            MachineEventJSON.emit(event, on: events)
        }
    }

    /// Serves every command over `machine` on each of `unixPaths`.
    package func serve(_ machine: Machine, unixPaths: [String]) async throws {
        let table = CommandTableBuilder.build(machine: machine, version: Self.version, schema: schema)
        threadPool.start()
        let server = QMPServer(
            commands: table, schema: schema, version: Self.version, events: events, group: group,
            threadPool: threadPool, configuration: configuration)
        self.server.withLockedValue { $0 = server }
        for path in unixPaths {
            try await server.listen(unixPath: path)
        }
    }

    /// Closes the monitors (removing their socket files), runs `afterClosing` (the machine stops there, so no
    /// command reaches it any more) on the monitor's pool for blocking work, since stopping joins the migration
    /// thread, then stops the monitor's threads.
    package func shutdown(afterClosing: @escaping @Sendable () -> Void = {}) async {
        if let server = server.withLockedValue({ $0 }) { await server.shutdown() }
        _ = try? await threadPool.runIfActive(afterClosing)
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}
