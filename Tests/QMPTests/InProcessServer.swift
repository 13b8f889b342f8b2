import JSON
import NIOPosix
import QMP
import VMigTesting

/// A `QMPServer` in this process with the given commands, listening on a socket in a temporary directory.
final class InProcessServer {
    /// Accepts every command without arguments to check.
    struct OpenSchema: QMPCommandSchema {
        let commandNames: [String]
        func validateArguments(command: String, arguments: JSONObject) throws(QMPError) -> JSONObject { arguments }
        func allowsOutOfBand(command: String) -> Bool { false }
        func introspection(implementedCommands: Set<String>) -> JSONValue { .array([]) }
    }

    let server: QMPServer
    let hub = QMPEventHub()
    let path: String
    private let directory: TemporaryDirectory
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let pool = NIOThreadPool(numberOfThreads: 1)

    /// Builds the server; `commands` get the hub to emit on.
    init(_ commands: (QMPEventHub) -> [QMPCommand]) async throws {
        directory = try TemporaryDirectory(prefix: "vmig-qmp-server")
        path = directory.path + "/qmp.sock"
        pool.start()
        var table = QMPCommandTable()
        let list = commands(hub)
        table.register(list)
        server = QMPServer(
            commands: table, schema: OpenSchema(commandNames: ["qmp_capabilities"] + list.map(\.name)),
            version: QMPVersion(major: 10, minor: 0, micro: 0, package: ""), events: hub, group: group,
            threadPool: pool)
        try await server.listen(unixPath: path)
    }

    /// Stops the server and its threads.
    func shutdown() async throws {
        await server.shutdown()
        try await pool.shutdownGracefully()
        try await group.shutdownGracefully()
    }
}
