import Glibc

/// A fresh directory under /tmp for the demo's sockets and logs, removed with its files.
final class ScratchDirectory {
    let path: String

    init() throws(DemoError) {
        var template = Array("/tmp/vmig-demo.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DemoError("cannot create a directory in /tmp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    /// Deletes the files in the directory and the directory.
    func remove() {
        guard let directory = opendir(path) else { return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(directory)
        rmdir(path)
    }
}
