import Glibc

/// `--daemonize`, as QEMU's `-daemonize`: the command returns once the daemon's monitors listen, so the next
/// command of a script can connect at once.
///
/// QEMU forks; a Swift process already runs threads, so vmigd starts itself again instead, in a session of its
/// own (`setsid` as it starts), with a hidden `--x-ready-fd` naming the write end of a pipe. The child writes one zero byte
/// there once every monitor listens and then, like QEMU, points its standard input, output and error at
/// /dev/null. Until then its errors go to this command's standard error.
enum Daemonizer {
    /// The hidden option that tells the child which descriptor to report readiness on.
    static let readyOption = "x-ready-fd"

    /// Starts the daemon in the background and waits for it: 0 once it listens, else its exit status (1 when it
    /// could not be started or ended without one).
    static func launch(arguments: [String]) -> Int32 {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return fail("cannot create a pipe") }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        defer { close(readEnd) }
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)  // only the write end is the child's
        let childArguments = arguments + ["--\(readyOption)", String(writeEnd)]
        let child = spawnDetached(childArguments)
        close(writeEnd)
        guard let child else { return fail("cannot start the daemon") }
        var status: UInt8 = 1
        var count: Int
        repeat { count = read(readEnd, &status, 1) } while count < 0 && errno == EINTR
        if count == 1 && status == 0 { return 0 }
        return exitStatus(of: child) ?? 1
    }

    /// In the child, first thing: leaves the launching command's session, so its terminal's signals and hang-up
    /// do not reach the daemon.
    static func detachFromSession() {
        _ = setsid()
    }

    /// In the child: tells the waiting command that the monitors listen, then detaches from its terminal
    /// and pipes by pointing standard input, output and error at /dev/null.
    static func reportReady(on descriptor: Int32) {
        var zero: UInt8 = 0
        _ = write(descriptor, &zero, 1)
        close(descriptor)
        let null = open("/dev/null", O_RDWR)
        guard null >= 0 else { return }
        for standard in Int32(0)...2 { dup2(null, standard) }
        if null > 2 { close(null) }
    }

    /// This executable again with `arguments`, stdin from /dev/null, no signal blocked.
    private static func spawnDetached(_ arguments: [String]) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([CommandLine.arguments.first ?? "vmigd"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, environ) == 0 else { return nil }
        return pid
    }

    /// The exit code of the child that ended before it was ready (128 + the signal number if one killed it).
    private static func exitStatus(of child: pid_t) -> Int32? {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(child, &status, 0) } while result < 0 && errno == EINTR
        guard result == child else { return nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func fail(_ what: String) -> Int32 {
        let message = Array("vmigd: --daemonize: \(what): \(String(cString: strerror(errno)))\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        return 1
    }
}
