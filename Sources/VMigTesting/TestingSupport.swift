import Glibc
@_exported import QMPClient
import POSIXSupport

/// An error raised by the testing helpers, with a readable message.
package struct TestingError: Error, CustomStringConvertible {
    /// What went wrong.
    package let description: String
    /// An error with `description`.
    package init(_ description: String) { self.description = description }
}

/// A fresh directory under /tmp, removed with its contents on ``remove()`` or release.
package final class TemporaryDirectory: @unchecked Sendable {
    /// The directory's path.
    package let path: String

    /// Creates `PARENT/PREFIX-XXXXXX` (`/tmp` unless told otherwise; `/dev/shm` keeps big files off the disk).
    package init(prefix: String = "vmig-test", in parent: String = "/tmp") throws {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestingError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    /// Deletes the directory and everything in it.
    package func remove() {
        guard let directory = opendir(path) else { return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(directory)
        rmdir(path)
    }

    deinit { remove() }

    /// Reads a whole file as UTF-8 text.
    package static func read(_ file: String) throws -> String {
        guard let text = TextFile.read(file) else { throw TestingError("cannot open \(file)") }
        return text
    }
}
