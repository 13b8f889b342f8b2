import Glibc

/// The channel of an `exec:` or `file:` migration, opened when `migrate` / `migrate-incoming` runs (as QEMU does:
/// a file that cannot be created or opened fails the command itself). Socket URIs connect or listen instead.
final class PreparedChannel: Sendable {
    /// The main channel.
    let connection: SocketConnection
    /// The command of `exec:`, nil for `file:`.
    let command: CommandChannel?
    let uri: MigrationURI

    private init(connection: SocketConnection, command: CommandChannel?, uri: MigrationURI) {
        self.connection = connection
        self.command = command
        self.uri = uri
    }

    /// The source's channel: the command's pipes, or the file created (truncated) with the stream starting at its
    /// `offset` (QEMU: `O_CREAT | O_WRONLY | O_TRUNC`, mode 0600). Nil for socket URIs.
    static func outgoing(_ uri: MigrationURI) throws -> PreparedChannel? {
        try prepare(uri, writing: true)
    }

    /// The destination's channel: the command's pipes, or the file opened read-only at `offset`. Nil for sockets.
    static func incoming(_ uri: MigrationURI) throws -> PreparedChannel? {
        try prepare(uri, writing: false)
    }

    private static func prepare(_ uri: MigrationURI, writing: Bool) throws -> PreparedChannel? {
        switch uri {
        case .unix, .tcp:
            return nil
        case .exec(let command):
            let channel = try CommandChannel.spawn(command: command)
            return PreparedChannel(connection: channel.connection, command: channel, uri: uri)
        case .file(let path, let offset):
            let fd = writing ? open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600) : open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw MigrationError("Could not \(writing ? "create" : "open") '\(path)': \(Errno.text())")
            }
            let connection = SocketConnection(readFD: writing ? -1 : fd, writeFD: writing ? fd : -1, kind: .file)
            if offset > 0 { try connection.seek(to: offset) }
            return PreparedChannel(connection: connection, command: nil, uri: uri)
        }
    }

    /// One more channel on the same file for a multifd sender (mapped-ram: each writes pages at their offsets).
    func duplicateForWriting() throws -> SocketConnection {
        let fd = fcntl(connection.writeFD, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw MigrationError("Unable to duplicate the migration file: \(Errno.text())") }
        return SocketConnection(readFD: -1, writeFD: fd, kind: .file)
    }

    /// Ends the channel: closes it and reaps the command (stopping it when it does not exit within `grace`).
    func finish(grace: Duration = .zero) {
        if let command {
            command.finish(grace: grace)
        } else {
            connection.close()
        }
    }

    /// QEMU's `migration_channels_and_transport_compatible`: `mapped-ram` needs a file, and several channels
    /// (`multifd`) need a socket or, for a file, `mapped-ram`.
    static func checkCompatible(_ uri: MigrationURI, capabilities: MigrationCapabilities) throws {
        var isFile = false
        if case .file = uri { isFile = true }
        if capabilities[.mappedRAM] && !isFile {
            throw MigrationError("Migration requires seekable transport (e.g. file)")
        }
        if capabilities[.multifd] && !(uri.isSocket || (isFile && capabilities[.mappedRAM])) {
            throw MigrationError("Migration requires multi-channel URIs (e.g. tcp)")
        }
    }
}
