import ArgumentParser
import POSIXSupport

/// `vmig tap`: a proxy between a migration source and its destination that records every channel to a file.
struct TapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract: "Forward migration connections and record each channel to a file, for vmig analyze.",
        discussion: """
            Listens on the --listen Unix socket; every connection accepted there (the main channel and each multifd \
            channel) is forwarded to --connect and what the source sends on it is written to DIR/channel-N.mig (N \
            counts connections from 0) before it is forwarded, so a migration that completed through the tap is \
            recorded whole. Replies (the return path) are forwarded, not recorded. Point the source's migrate at \
            the --listen socket; it accepts connections once it has printed "vmig tap: listening on PATH". Runs \
            until killed, or until --exit-after connections have closed.
            """)

    @Option(help: "Unix socket to listen on (unix:PATH or PATH).")
    var listen: String

    @Option(help: "The destination's migration socket (unix:PATH or PATH).")
    var connect: String

    @Option(name: .customLong("dir"), help: "Directory for the channel files (created when missing).")
    var directory: String

    @Option(name: .customLong("exit-after"), help: "Exit once this many connections have closed.")
    var exitAfter: Int?

    func run() throws {
        let tap = try ChannelTap(listenPath: Self.path(listen), targetPath: Self.path(connect), directory: directory)
        // The socket file exists from bind on, but connections are refused until listen: say when they are not.
        Console.out("vmig tap: listening on \(Self.path(listen))\n")
        do {
            try tap.run(connections: exitAfter)
        } catch {
            Console.error("vmig tap: \(error)\n")
            throw ExitCode(1)
        }
    }

    private static func path(_ address: String) -> String {
        address.hasPrefix("unix:") ? String(address.dropFirst(5)) : address
    }
}
