import Glibc
import JSON
import Logging
import NIOCore
import NIOPosix
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Shared, immutable-after-start state of a server, handed to every connection.
final class QMPServerCore: Sendable {
    let configuration: QMPServer.Configuration
    let commands: QMPCommandTable
    let schema: any QMPCommandSchema
    let version: QMPVersion
    let events: QMPEventHub
    let threadPool: NIOThreadPool
    /// The thread of ``QMPCommand/Execution/longRunning`` commands, owned by the server.
    let longRunningLane = NIOThreadPool(numberOfThreads: 1)
    let logger: Logger
    /// Holds clients' commands during a migration's switchover.
    let hold = CommandHold()
    private let clients = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    init(
        configuration: QMPServer.Configuration, commands: QMPCommandTable, schema: any QMPCommandSchema,
        version: QMPVersion, events: QMPEventHub, threadPool: NIOThreadPool, logger: Logger
    ) {
        self.configuration = configuration
        self.commands = commands
        self.schema = schema
        self.version = version
        self.events = events
        self.threadPool = threadPool
        self.logger = logger
    }

    func track(_ channel: any Channel, key: ObjectIdentifier) { clients.withLockedValue { $0[key] = channel } }
    func untrack(_ key: ObjectIdentifier) { _ = clients.withLockedValue { $0.removeValue(forKey: key) } }
    var clientChannels: [any Channel] { clients.withLockedValue { Array($0.values) } }
}

/// A QMP server on one or more Unix domain sockets.
package final class QMPServer: Sendable {
    /// Server limits and policies.
    package struct Configuration: Sendable {
        /// Bytes queued for a client beyond the socket buffers (events and replies) before it is disconnected.
        package var maxUnsentBytes: Int
        /// Listen backlog per socket.
        package var backlog: Int32

        /// Limits with the defaults unless given.
        package init(maxUnsentBytes: Int = 16 << 20, backlog: Int32 = 64) {
            self.maxUnsentBytes = maxUnsentBytes
            self.backlog = backlog
        }
    }

    /// Why a socket could not be opened.
    package enum BindError: Error, CustomStringConvertible {
        case inUse(path: String)
        case notASocket(path: String)
        case failed(path: String, reason: String)

        /// The message `vmigd` prints before exiting.
        package var description: String {
            switch self {
            case .inUse(let path):
                return "QMP socket '\(path)' is in use by another running process"
            case .notASocket(let path):
                return "'\(path)' exists and is not a socket; refusing to replace it"
            case .failed(let path, let reason):
                return "cannot listen on QMP socket '\(path)': \(reason)"
            }
        }
    }

    private let core: QMPServerCore
    private let group: any EventLoopGroup
    private let listeners = NIOLockedValueBox<[(path: String, identity: FileIdentity?, channel: any Channel)]>([])

    /// The hub that fans events out to this server's clients.
    package var events: QMPEventHub { core.events }

    /// A server for `commands`, validated by `schema`, sending events from `events`; nothing listens until ``listen(unixPath:)``.
    package init(
        commands: QMPCommandTable, schema: any QMPCommandSchema, version: QMPVersion, events: QMPEventHub,
        group: any EventLoopGroup, threadPool: NIOThreadPool, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "vmig.qmp")
    ) {
        self.core = QMPServerCore(
            configuration: configuration, commands: commands, schema: schema, version: version, events: events,
            threadPool: threadPool, logger: logger)
        self.group = group
        core.longRunningLane.start()
    }

    /// Starts listening on `path`. A stale socket file (nobody listening) is replaced; a live one is refused.
    /// The socket file is created with mode 0600.
    package func listen(unixPath path: String) async throws {
        try Self.clearStaleSocket(at: path)
        let core = self.core
        let bootstrap = ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(
                    low: core.configuration.maxUnsentBytes / 2, high: core.configuration.maxUnsentBytes))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(QMPConnectionHandler(core: core))
                }
            }
        // The socket is bound here rather than by NIO: NIO removes a Unix socket file it bound when the channel
        // closes, whatever is at the path by then; this server removes only the file it created.
        let fd: Int32
        do {
            let previousMask = umask(0o177)
            defer { umask(previousMask) }
            fd = try UnixSocketListener.listen(at: path, backlog: core.configuration.backlog)
        } catch {
            throw BindError.failed(path: path, reason: "\(error)")
        }
        chmod(path, 0o600)
        let identity = FileIdentity(path: path)
        let channel: any Channel
        do {
            channel = try await bootstrap.withBoundSocket(fd).get()
        } catch {
            close(fd)
            FileIdentity.unlink(path, ifStill: identity)
            throw BindError.failed(path: path, reason: "\(error)")
        }
        listeners.withLockedValue { $0.append((path, identity, channel)) }
    }

    /// Stops listening and the long-running lane, removes the socket files that are still this server's (same device and inode: a file
    /// or another daemon's socket put at the path since stays) and closes every client connection.
    package func shutdown() async {
        let open = listeners.withLockedValue { list in
            defer { list.removeAll() }
            return list
        }
        for listener in open {
            try? await listener.channel.close()
            FileIdentity.unlink(listener.path, ifStill: listener.identity)
        }
        for client in core.clientChannels {
            try? await client.close()
        }
        try? await core.longRunningLane.shutdownGracefully()
    }

    /// Commands that run while a switchover holds the others: those that steer or watch the migration.
    package static let commandsDuringSwitchover: Set<String> = [
        "qmp_capabilities", "migrate_cancel", "query-migrate", "x-query-vfio-migration",
    ]

    /// The longest a switchover holds commands (a stalled one must not silence the monitor).
    package static let longestSwitchoverHold = TimeAmount.seconds(1)

    /// A migration's switchover began (the source VM stopped): until ``switchoverEnded()``, or
    /// ``longestSwitchoverHold`` later, clients' commands other than ``commandsDuringSwitchover`` wait in their
    /// queues, as QEMU's monitor waits for its big lock. Events still go out.
    package func switchoverBegan() {
        core.hold.hold(exempting: Self.commandsDuringSwitchover, atMost: Self.longestSwitchoverHold, on: group.next())
    }

    /// The switchover ended (completed, failed or cancelled): held commands run.
    package func switchoverEnded() {
        core.hold.release()
    }

    /// Paths this server listens on.
    package var socketPaths: [String] { listeners.withLockedValue { $0.map(\.path) } }

    private static func clearStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw BindError.notASocket(path: path) }
        if UnixSocketConnector.isListening(path) { throw BindError.inUse(path: path) }
        unlink(path)
    }
}
