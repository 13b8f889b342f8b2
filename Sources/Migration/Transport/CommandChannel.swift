import Glibc
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// `exec:CMD`: `/bin/sh -c CMD` with a pipe on its stdin and one on its stdout, as QEMU's command channel (its
/// stderr stays the daemon's). The source writes the stream to the command's stdin and, only with `return-path`,
/// reads return-path messages from its stdout; a destination reads the stream from its stdout.
///
/// The command leads a process group of its own: the connection's shutdown (a cancel, a failure) sends that group
/// SIGTERM, which breaks both pipes and so wakes any thread blocked on them. `finish` closes the pipes and reaps
/// the command on every outcome; like QEMU, its exit status does not change the outcome (a command that stops
/// reading early fails the source with `Unable to write to command: Broken pipe`). No signal is sent once the
/// command is reaped (its pid may belong to someone else by then): signalling and reaping take one lock.
final class CommandChannel: Sendable {
    /// The shell's process id (also its process group id).
    let pid: pid_t
    /// The pipes: reads from the command's stdout, writes to its stdin.
    let connection: SocketConnection
    /// True until the command is reaped.
    private let running: NIOLockedValueBox<Bool>

    private init(pid: pid_t, readFD: Int32, writeFD: Int32) {
        self.pid = pid
        let running = NIOLockedValueBox(true)
        self.running = running
        connection = SocketConnection(readFD: readFD, writeFD: writeFD, kind: .pipe, onShutdown: {
            running.withLockedValue { if $0 { _ = kill(-pid, SIGTERM) } }
        })
    }

    deinit {
        finish(grace: .zero)
    }

    /// Starts `/bin/sh -c command`. Writing to a command that has gone must fail with EPIPE, not kill the daemon:
    /// SIGPIPE is ignored in this process (and set back to its default in the child).
    static func spawn(command: String) throws -> CommandChannel {
        signal(SIGPIPE, SIG_IGN)
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0 else {
            throw MigrationError("Unable to open pipe: \(Errno.text())")
        }
        guard pipe(&stdoutPipe) == 0 else {
            let code = errno
            stdinPipe.forEach { _ = Glibc.close($0) }
            throw MigrationError("Unable to open pipe: \(Errno.text(code))")
        }
        // No other child may inherit these ends (posix_spawn's dup2 gives the command its copies).
        for fd in stdinPipe + stdoutPipe {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let result = launch(command: command, stdin: stdinPipe[0], stdout: stdoutPipe[1])
        _ = Glibc.close(stdinPipe[0])
        _ = Glibc.close(stdoutPipe[1])
        switch result {
        case .success(let pid):
            return CommandChannel(pid: pid, readFD: stdoutPipe[0], writeFD: stdinPipe[1])
        case .failure(let error):
            _ = Glibc.close(stdinPipe[1])
            _ = Glibc.close(stdoutPipe[0])
            throw error
        }
    }

    /// `/bin/sh -c command` on the two pipe ends, in a process group of its own, with no signal blocked and
    /// SIGPIPE and SIGINT at their defaults (this daemon ignores SIGPIPE).
    private static func launch(command: String, stdin: Int32, stdout: Int32) -> Result<pid_t, MigrationError> {
        do {
            return .success(try SpawnedProcess.spawn(
                "/bin/sh", arguments: ["-c", command], input: stdin, output: stdout, defaultSignals: [SIGPIPE, SIGINT]))
        } catch {
            return .failure(MigrationError("Unable to start the command: \(Errno.text(error.code))"))
        }
    }

    /// Closes both pipes, gives the command `grace` to exit on its own (it sees the end of its input), then stops
    /// its process group (SIGTERM, then SIGKILL) and reaps it. Idempotent; blocks at most `grace` plus ~100 ms
    /// (plus however long the kernel takes to end a SIGKILLed process).
    func finish(grace: Duration) {
        connection.close()
        stop(grace: grace)
    }

    /// Gives the command `grace` to exit on its own, then stops its process group (SIGTERM, then SIGKILL) and reaps
    /// it, leaving the pipes open (a reader still blocked on them then sees their end). Idempotent.
    func stop(grace: Duration = .zero) {
        let deadline = ContinuousClock.now.advanced(by: grace)
        while ContinuousClock.now < deadline {
            if reap() { return }
            usleep(2_000)
        }
        for signal in [SIGTERM, SIGKILL] {
            if reap() { return }
            running.withLockedValue { if $0 { _ = kill(-pid, signal) } }
            for _ in 0..<50 {
                if reap() { return }
                usleep(1_000)
            }
        }
        while !reap() { usleep(1_000) }
    }

    /// A source that has written everything: closes the command's stdin and waits for it to exit on its own (it has
    /// then consumed the stream), unless `stop` fires first (then it is stopped). Its stdout stays open for a
    /// return-path reader until `finish`.
    func waitForExit(unlessCancelled stop: Cancellation) {
        connection.closeWriteSide()
        while !stop.isCancelled {
            if reap() { return }
            _ = stop.sleep(for: .milliseconds(5))
        }
        finish(grace: .zero)
    }

    /// True once the command has been reaped (now or before).
    private func reap() -> Bool {
        running.withLockedValue { running in
            guard running else { return true }
            let result = waitpid(pid, nil, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) {
                running = false
            }
            return !running
        }
    }
}
