import Glibc

/// The device and inode of a file: what makes "the socket file I created" different from whatever another
/// process later put at the same path.
package struct FileIdentity: Sendable, Equatable {
    /// `st_dev`.
    package var device: UInt64
    /// `st_ino`.
    package var inode: UInt64

    /// The identity of the file at `path` itself (not a symlink's target), or nil when nothing is there.
    package init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// Removes `path` only while it is still the file with `identity`; returns whether it did.
    @discardableResult
    package static func unlink(_ path: String, ifStill identity: FileIdentity?) -> Bool {
        guard let identity, FileIdentity(path: path) == identity else { return false }
        return Glibc.unlink(path) == 0
    }
}
