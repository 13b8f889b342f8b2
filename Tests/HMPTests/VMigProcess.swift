import Glibc
import POSIXSupport
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

    /// Starts `vmig arguments…` reading standard input from `inputPath` (which may be a FIFO), with default signal
    /// handling and nothing blocked, as from a shell; stdout and stderr go to `NAME.out` and `NAME.err`.
    func start(_ arguments: [String], inputPath: String, name: String) throws -> SpawnedProcess {
        let executable = DaemonProcess.binaryDirectory + "/vmig"
        guard access(executable, X_OK) == 0 else { throw TestingError("no vmig at \(executable); build it first") }
        do throws(SpawnError) {
            return try SpawnedProcess(
                executable: executable, arguments: arguments, inputPath: inputPath,
                logPath: directory.path + "/\(name).out", errorLogPath: directory.path + "/\(name).err",
                defaultSignals: true)
        } catch {
            throw TestingError("posix_spawn vmig: \(error.reason)")
        }
    }

    private func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw TestingError("cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }
}
