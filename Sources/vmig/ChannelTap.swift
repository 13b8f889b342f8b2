import Glibc
import POSIXSupport
import Synchronization

/// Accepts connections on a Unix socket, connects each to the target, and copies both directions on two dedicated
/// threads; the source-to-target bytes are written to `DIR/channel-N.mig` first, then forwarded.
final class ChannelTap: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let listener: Int32
    private let listenPath: String
    private let targetPath: String
    private let directory: String
    /// Connections whose both directions have ended.
    private let finished = Atomic<Int>(0)

    init(listenPath: String, targetPath: String, directory: String) throws {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw Failure(description: "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        self.listenPath = listenPath
        self.targetPath = targetPath
        self.directory = directory
        listener = try UnixSocketListener.listen(at: listenPath, backlog: 64)
    }

    deinit {
        close(listener)
        unlink(listenPath)
    }

    /// Serves until `connections` connections have closed (forever when nil).
    func run(connections: Int?) throws {
        var count = 0
        while connections.map({ count < $0 }) ?? true {
            let source = accept(listener, nil, nil)
            guard source >= 0 else {
                if errno == EINTR { continue }
                throw Failure(description: "accept: \(String(cString: strerror(errno)))")
            }
            do {
                try start(source: source, number: count)
                count += 1
            } catch {
                // One connection that cannot be forwarded fails that connection only (the source sees it closed).
                Console.error("vmig tap: \(error)\n")
            }
        }
        while finished.load(ordering: .acquiring) < count {
            usleep(10_000)
        }
    }

    private func start(source: Int32, number: Int) throws {
        let target: Int32
        do {
            target = try UnixSocketConnector.connect(to: targetPath)
        } catch {
            close(source)
            throw Failure(description: "connect to \(targetPath): \(error)")
        }
        let path = "\(directory)/channel-\(number).mig"
        let record = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard record >= 0 else {
            close(source)
            close(target)
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let pair = ConnectionPair(source: source, target: target, record: record)
        try DedicatedThread.spawn { [self] in
            Self.copy(from: source, to: target, record: record)
            pair.directionEnded { self.finished.add(1, ordering: .releasing) }
        }.detach()
        try DedicatedThread.spawn { [self] in
            Self.copy(from: target, to: source, record: nil)
            pair.directionEnded { self.finished.add(1, ordering: .releasing) }
        }.detach()
    }

    /// Copies until end of file or an error, then half-closes the receiving side.
    private static func copy(from input: Int32, to output: Int32, record: Int32?) {
        let size = 256 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let got = read(input, buffer, size)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            if let record, !writeAll(record, buffer, got) { break }
            guard writeAll(output, buffer, got) else { break }
        }
        shutdown(output, Int32(SHUT_WR))
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Bool {
        var done = 0
        while done < count {
            let written = send(fd, bytes + done, count - done, Int32(MSG_NOSIGNAL))
            if written < 0 && errno == ENOTSOCK {
                let plain = write(fd, bytes + done, count - done)
                guard plain > 0 else { return false }
                done += plain
                continue
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            done += written
        }
        return true
    }
}

/// The descriptors of one tapped connection, closed once both directions have ended.
private final class ConnectionPair: Sendable {
    private let source: Int32
    private let target: Int32
    private let record: Int32
    private let ended = Atomic<Int>(0)

    init(source: Int32, target: Int32, record: Int32) {
        self.source = source
        self.target = target
        self.record = record
    }

    func directionEnded(_ whenBoth: () -> Void) {
        guard ended.add(1, ordering: .acquiringAndReleasing).newValue == 2 else { return }
        close(source)
        close(target)
        close(record)
        whenBoth()
    }
}
