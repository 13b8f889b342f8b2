import Glibc
import Machine
import Migration
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Fuzz entry over the main migration stream parser: each input is sent as a whole incoming migration to one
/// long-lived destination engine (over a Unix socket, as a source would), which must end that migration
/// (completed or failed, never stuck) and be ready for the next one, as a daemon must.
package enum MainStreamFuzzing {
    /// Guest RAM of the destination: small, so a valid stream fits the fuzzer's input size.
    package static let ramSize = 1 << 16

    /// The destination VM, a real machine waiting for an incoming migration.
    private final class Destination: Sendable {
        let machine: Machine

        init() {
            var options = MachineOptions(memoryBytes: MainStreamFuzzing.ramSize, memoryFill: .zero)
            options.incoming = .deferred
            guard let machine = try? Machine(options) else { fatalError("cannot build the destination machine") }
            self.machine = machine
        }

        var engine: MigrationEngine { machine.engine }
    }

    /// One destination for as long as it can take migrations: a completed one is a running VM, which (as in
    /// QEMU) takes no further incoming migration, so the next input gets a fresh destination.
    private static let current = NIOLockedValueBox<Destination?>(nil)

    /// The first bytes of a multifd channel (`MULTIFD_MAGIC`).
    private static let multifdMagic: [UInt8] = [0x11, 0x22, 0x33, 0x44]

    private static let socketPath = "/tmp/vmig-fuzz-main-\(getpid()).sock"

    /// Runs one input; returns the destination's final status and error.
    @discardableResult
    package static func run(_ data: [UInt8]) -> (status: MigrationStatus?, error: String?) {
        current.withLockedValue { current in
            if current == nil || current?.engine.info().status == .completed {
                current = Destination()
            }
            return run(data, on: current!.engine)
        }
    }

    private static func run(_ data: [UInt8], on destination: MigrationEngine) -> (status: MigrationStatus?, error: String?) {
        do {
            try destination.migrateIncoming(uri: "unix:" + socketPath)
        } catch {
            preconditionFailure("the destination refused a new migrate-incoming: \(error)")
        }
        deliver(data)
        if data.count < 4 || data.starts(with: multifdMagic) {
            // Too short to name a channel, the destination ignores the connection and keeps listening (a stray
            // connection must not fail a pending migration); a multifd channel waits for its main channel, as in
            // QEMU. Either way the migration only ends when cancelled, which must then leave no thread behind.
            destination.cancel()
            precondition(destination.waitForThreadsToEnd(timeout: .seconds(30)), "migration threads did not end")
            return (destination.info().status, nil)
        }
        var polls = 0
        while true {
            let info = destination.info()
            if info.status == .completed || info.status == .failed {
                precondition(destination.waitForThreadsToEnd(timeout: .seconds(30)), "migration threads did not end")
                return (info.status, info.errorDesc)
            }
            // Most inputs fail within microseconds: yield first, then sleep; about 30 s in all.
            precondition(polls < 31_000, "incoming migration stuck in \(info.status?.name ?? "none")")
            if polls < 1000 { sched_yield() } else { usleep(1000) }
            polls += 1
        }
    }

    /// Connects, writes `data` (while draining the return path, so neither side blocks), then closes.
    private static func deliver(_ data: [UInt8]) {
        guard let fd = try? UnixSocketConnector.connect(to: socketPath) else {
            preconditionFailure("cannot connect to the destination")
        }
        defer { close(fd) }
        var offset = 0
        var scratch = [UInt8](repeating: 0, count: 4096)
        while offset < data.count {
            let sent = data[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
            _ = recv(fd, &scratch, scratch.count, Int32(MSG_DONTWAIT))
        }
        shutdown(fd, Int32(SHUT_WR))
    }
}

extension MainStreamFuzzing {
    /// A complete, valid main stream for the destination's RAM size, as a real source sends it: the seed the
    /// committed corpus starts from (`fill` .zero gives a stream of a few hundred bytes, `.pattern` one with
    /// normal pages too).
    package static func captureValidStream(fill: MemoryFill) throws -> [UInt8] {
        let path = "/tmp/vmig-fuzz-capture-\(getpid()).sock"
        unlink(path)
        let listener = try UnixSocketListener.listen(at: path, backlog: 1)
        defer {
            close(listener)
            unlink(path)
        }
        let machine = try Machine(MachineOptions(memoryBytes: ramSize, memoryFill: fill))
        defer { machine.stop() }
        let source = machine.engine
        try source.startOutgoing(uri: "unix:" + path)
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { throw MigrationError("accept failed") }
        var stream: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        // The source sends everything, then waits for the destination's verdict: the stream ends where it falls silent.
        while true {
            var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 500) > 0 else { break }
            let count = recv(connection, &chunk, chunk.count, 0)
            if count <= 0 { break }
            stream += chunk[..<count]
        }
        close(connection)
        source.cancel()
        _ = source.waitForThreadsToEnd(timeout: .seconds(10))
        return stream
    }
}
