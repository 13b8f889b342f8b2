import Glibc
import VMigTesting

/// Runs the built `vmig` binary with arguments and standard input, capturing its output.
struct VMigProcess {
    /// What a finished run produced.
    struct Output: Equatable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let directory: TemporaryDirectory

    /// Runs `vmig arguments…` with `input` on standard input (nil: /dev/null) and waits for it to end.
    func run(_ arguments: [String], input: String? = nil, timeout: Double = 60) throws -> Output {
        let name = "run\(Int.random(in: 0..<1_000_000))"
        var inputPath = "/dev/null"
        if let input {
            inputPath = directory.path + "/\(name).in"
            try write(input, to: inputPath)
        }
        let process = try start(arguments, inputPath: inputPath, name: name)
        guard let status = process.waitForExit(timeout: timeout) else {
            process.terminate()
            throw TestingError("vmig \(arguments) did not finish within \(timeout) s")
        }
        return Output(
            status: status, stdout: try TemporaryDirectory.read(directory.path + "/\(name).out"),
            stderr: try TemporaryDirectory.read(directory.path + "/\(name).err"))
    }

    /// Starts `vmig arguments…` reading standard input from `inputPath` (which may be a FIFO).
    func start(_ arguments: [String], inputPath: String, name: String) throws -> ChildRun {
        let executable = DaemonProcess.binaryDirectory + "/vmig"
        guard access(executable, X_OK) == 0 else { throw TestingError("no vmig at \(executable); build it first") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.path + "/\(name).out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, directory.path + "/\(name).err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // A child with default signal handling and nothing blocked, as from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigaddset(&signals, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw TestingError("posix_spawn vmig: \(String(cString: strerror(result)))") }
        return ChildRun(pid: pid)
    }

    private func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw TestingError("cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }
}
