import Glibc
import POSIXSupport
import Testing
import VMigTesting

/// The README's "By hand" block, read from README.md and run verbatim by a shell, so the README stays true.
///
/// The block runs in a scratch directory whose `.build/release` links to the binaries under test, with
/// `TMPDIR` pointing there too, so its sockets are private to this run. Every daemon it started is found by
/// that directory in its command line and stopped by pid, whatever happened.
@Suite("README")
struct ReadmeByHandTests {
    @Test func byHandBlockRunsAsWritten() throws {
        let block = try Self.byHandBlock()
        let directory = try TemporaryDirectory(prefix: "vmig-readme")
        let links = directory.path + "/.build"
        mkdir(links, 0o755)
        symlink(DaemonProcess.binaryDirectory, links + "/release")
        defer {
            DetachedProcesses.stopAll(commandLineContaining: directory.path)
            unlink(links + "/release")
            rmdir(links)
        }
        let prologue = "set -e\ncd '\(directory.path)'\nexport TMPDIR='\(directory.path)'\n"
        let shell = try DaemonProcess(
            binary: "/bin/sh", arguments: ["-c", prologue + block], socketPath: "",
            logPath: directory.path + "/block.log")
        let status = shell.waitForExit(timeout: 300)
        shell.terminate()
        let output = shell.log
        #expect(status == 0, "the block failed:\n\(output)")
        #expect(!output.contains("cannot connect"), "\(output)")
        #expect(output.contains("integrity:    OK: RAM and 1 device digest identical"), "\(output)")
        #expect(output.contains("Migration completed"), "\(output)")
        // The block's `quit` lines leave nothing running.
        let remaining = Poll.until(timeout: 10, interval: 50_000) {
            DetachedProcesses.pids(commandLineContaining: directory.path).isEmpty
        }
        #expect(remaining, "daemons still running after the block's quit lines")
    }

    /// The first ```sh block after the "## By hand" heading of README.md.
    static func byHandBlock() throws -> String {
        let path = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        guard let readme = TextFile.read("/" + path + "/README.md") else { throw TestingError("cannot read README.md at /\(path)") }
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        guard let section = lines.firstIndex(of: "## By hand"),
            let open = lines[section...].firstIndex(of: "```sh"),
            let close = lines[(open + 1)...].firstIndex(of: "```")
        else { throw TestingError("README.md has no ```sh block under '## By hand'") }
        return lines[(open + 1)..<close].joined(separator: "\n") + "\n"
    }
}
